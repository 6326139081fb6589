package io.sluice.sdk.status;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.PutOption;
import io.sluice.rules.wire.AgentStatus;
import io.sluice.rules.wire.AgentStatusCodec;
import io.sluice.sdk.EtcdErrors;
import io.sluice.sdk.QuietLog;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Puts a status under the status key, bound to the lease: the capped status, or its {@linkplain
 * StatusCaps#minimal minimal} form when that is larger than {@code maxStatusBytes} or etcd refuses
 * it for its size.
 *
 * <p>Kept apart from the reporter because the fallback is the whole point: the key must never keep
 * an older status as if it were current while every write of the new one fails for its size.
 * Confined to the reporter's thread.
 */
final class StatusWriter {

  // The reporter's logger: one name for everything the status reporting logs.
  private static final Logger logger = Logger.getLogger(StatusReporter.class.getName());

  private final Client client;
  private final String key;
  private final Duration callTimeout;
  private final int maxStatusBytes;
  private boolean tooLargeLogged;

  StatusWriter(Client client, String key, Duration callTimeout, int maxStatusBytes) {
    this.client = client;
    this.key = key;
    this.callTimeout = callTimeout;
    this.maxStatusBytes = maxStatusBytes;
  }

  /**
   * Puts {@code status}, or its minimal form, under lease {@code leaseId}.
   *
   * @return the etcd revision of the put
   */
  long put(AgentStatus status, long leaseId) throws Exception {
    byte[] value = AgentStatusCodec.write(status).getBytes(StandardCharsets.UTF_8);
    if (value.length > maxStatusBytes) {
      logTooLarge(value.length, "over the limit of " + maxStatusBytes + " bytes");
      return putValue(minimalValue(status), leaseId);
    } else {
      try {
        return putValue(value, leaseId);
      } catch (ExecutionException e) {
        if (!EtcdErrors.isTooLarge(e)) {
          throw e;
        }
        logTooLarge(value.length, "etcd refused it: " + EtcdErrors.rootMessage(e));
        return putValue(minimalValue(status), leaseId);
      }
    }
  }

  private long putValue(byte[] value, long leaseId) throws Exception {
    return client
        .getKVClient()
        .put(
            ByteSequence.from(key, StandardCharsets.UTF_8),
            ByteSequence.from(value),
            PutOption.builder().withLeaseId(leaseId).build())
        .get(callTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .getHeader()
        .getRevision();
  }

  private static byte[] minimalValue(AgentStatus status) {
    return AgentStatusCodec.write(StatusCaps.minimal(status)).getBytes(StandardCharsets.UTF_8);
  }

  private void logTooLarge(int size, String why) {
    Level level = tooLargeLogged ? Level.FINE : Level.WARNING;
    tooLargeLogged = true;
    QuietLog.write(
        logger,
        level,
        "the agent status "
            + key
            + " is "
            + size
            + " bytes even with its lists capped ("
            + why
            + "); writing it without breakers, targets and errors, their numbers counted as"
            + " omitted",
        null);
  }
}
