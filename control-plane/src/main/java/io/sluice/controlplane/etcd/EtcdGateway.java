package io.sluice.controlplane.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Txn;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.sluice.rules.wire.EtcdKeys;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The one door to etcd: the key layout, and every call with a deadline.
 *
 * <p>A call that misses its deadline or fails on the way becomes an {@link
 * EtcdUnavailableException} (503, try again); one that etcd refused for good (too large, invalid,
 * out of space) becomes an {@link EtcdRefusedException} (no retry hint). Reads wait with {@link
 * #await}, transactions that change something with {@link #commit}: only the latter can leave the
 * outcome unknown.
 */
public final class EtcdGateway {

  private final Client client;
  private final EtcdKeys keys;
  private final Duration timeout;
  private final long maxRequestBytes;

  /** Wraps a client; the client is owned (and closed) by whoever made it. */
  public EtcdGateway(Client client, EtcdKeys keys, Duration timeout, long maxRequestBytes) {
    this.client = client;
    this.keys = keys;
    this.timeout = timeout;
    this.maxRequestBytes = maxRequestBytes;
  }

  /** The key layout under the configured namespace. */
  public EtcdKeys keys() {
    return keys;
  }

  /** The deadline of every call. */
  public Duration timeout() {
    return timeout;
  }

  /**
   * The largest request etcd accepts ({@code sluice.etcd.max-request-bytes}): a write must measure
   * itself against it before it is sent.
   */
  public long maxRequestBytes() {
    return maxRequestBytes;
  }

  /**
   * The key-value client; pass the futures to {@link #await} (reads) or {@link #commit} (writes).
   */
  public KV kv() {
    return client.getKVClient();
  }

  /** The watch client. */
  public Watch watch() {
    return client.getWatchClient();
  }

  /** A new transaction. */
  public Txn txn() {
    return client.getKVClient().txn();
  }

  /** Reads one key (or a range, with options) within the deadline. */
  public GetResponse get(String key, GetOption option) {
    return await(client.getKVClient().get(bytes(key), option), "read " + key);
  }

  /** Reads every key under a prefix within the deadline. */
  public GetResponse getPrefix(String prefix) {
    return get(prefix, GetOption.builder().isPrefix(true).build());
  }

  /**
   * Waits for a call that changes nothing (a read, or a transaction of reads) within the deadline.
   * A failure is never an unknown outcome.
   */
  public <T> T await(CompletableFuture<T> call, String what) {
    return complete(call, what, false);
  }

  /**
   * Waits for a call that changes something (a write transaction) within the deadline. If it fails
   * or misses the deadline once sent, etcd may still have applied it: the exception says the
   * outcome is unknown. A refusal ({@link EtcdRefusedException}) changed nothing.
   */
  public <T> T commit(CompletableFuture<T> call, String what) {
    return complete(call, what, true);
  }

  private <T> T complete(CompletableFuture<T> call, String what, boolean changes) {
    try {
      return call.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      call.cancel(true);
      throw new EtcdUnavailableException(
          "etcd did not answer within " + timeout.toMillis() + " ms (" + what + ")", e, changes);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      EtcdRefusedException refused = EtcdRefusedException.of(cause, what);
      if (refused != null) {
        throw refused;
      }
      throw new EtcdUnavailableException(
          "etcd call failed (" + what + "): " + cause.getMessage(), cause, changes);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EtcdUnavailableException(
          "interrupted while waiting for etcd (" + what + ")", e, changes);
    }
  }

  /** UTF-8 bytes of a key or value. */
  public static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  /** A key or value as UTF-8 text. */
  public static String text(ByteSequence bytes) {
    return bytes.toString(StandardCharsets.UTF_8);
  }
}
