package io.sluice.controlplane.history;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import io.sluice.controlplane.etcd.EtcdGateway;
import io.sluice.rules.OneLineText;
import io.sluice.rules.wire.EtcdKeys;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Brings every service's history down to the bound once, as the control plane starts. {@link
 * HistoryRetention} trims a service's history at each write of its rules, so without this a service
 * whose rules are not written again after an upgrade to a version with the bound, or after the
 * bound was lowered, would keep its excess entries for ever.
 *
 * <p>Runs on a thread of its own, off the start-up path, and ends when done. Services are found one
 * read at a time (the first history key after the last service's keys, keys only), not by listing
 * every entry; each is trimmed until it holds no more than the bound. A failure (etcd away, a
 * timeout) is warned of once and retried from the service it failed on, after 1 s and then twice as
 * long each time up to a minute, until the sweep is done or the control plane stops. Control planes
 * sweeping at once each keep at least the bound (see {@link HistoryRetention}). A start after a
 * stop sweeps again from the beginning.
 */
@Component
final class HistorySweep implements SmartLifecycle {

  private static final Logger LOG = Logger.getLogger(HistorySweep.class.getName());

  static final Duration FIRST_RETRY = Duration.ofSeconds(1);
  static final Duration LAST_RETRY = Duration.ofMinutes(1);

  private final EtcdGateway etcd;
  private final HistoryRetention retention;

  /** The sweep under way, or null. */
  private Sweep current;

  HistorySweep(EtcdGateway etcd, HistoryRetention retention) {
    this.etcd = etcd;
    this.retention = retention;
  }

  @Override
  public synchronized void start() {
    if (retention.maxEntries() == 0 || current != null) {
      return;
    }
    current = new Sweep();
    current.executor.execute(current::run);
  }

  @Override
  public synchronized void stop() {
    if (current != null) {
      current.executor.shutdownNow();
      current = null;
    }
  }

  @Override
  public synchronized boolean isRunning() {
    return current != null;
  }

  /** Forgets {@code sweep}, done, unless a stop already did (and a start began another). */
  private synchronized void ended(Sweep sweep) {
    if (current == sweep) {
      current = null;
    }
  }

  /**
   * One sweep, from the first history key to the last, with its own thread: what it has done so far
   * is confined to that thread, and a sweep that a stop cancelled touches no later one.
   */
  private final class Sweep {

    final ScheduledExecutorService executor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "sluice-history-sweep");
              t.setDaemon(true);
              return t;
            });

    /** The first history key not swept yet. */
    private ByteSequence next = EtcdGateway.bytes(etcd.keys().historyPrefix());

    private long deleted;
    private int trimmedServices;
    private boolean failureTold;
    private Duration retry = FIRST_RETRY;

    /** Sweeps from where the last run stopped; on a failure, runs again later. */
    void run() {
      try {
        sweep();
      } catch (RuntimeException e) {
        if (executor.isShutdown()) {
          return; // stopped
        }
        if (!failureTold) {
          failureTold = true;
          LOG.log(
              Level.WARNING,
              "the sweep of every service's history down to "
                  + retention.maxEntries()
                  + " entries failed; retrying in the background: "
                  + OneLineText.escape(String.valueOf(e.getMessage())));
        }
        try {
          executor.schedule(this::run, retry.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopped) {
          return; // a stop came in between
        }
        Duration twice = retry.multipliedBy(2);
        retry = twice.compareTo(LAST_RETRY) > 0 ? LAST_RETRY : twice;
        return;
      }
      if (executor.isShutdown()) {
        return; // stopped between two services: not done
      }
      if (deleted > 0 || failureTold) {
        LOG.info(
            "history swept: "
                + deleted
                + " entries beyond the newest "
                + retention.maxEntries()
                + " of each service deleted, from "
                + trimmedServices
                + " services");
      }
      executor.shutdown();
      ended(this);
    }

    /** Trims each service whose history has a key at or after {@link #next}, in key order. */
    private void sweep() {
      byte[] prefix = etcd.keys().historyPrefix().getBytes(StandardCharsets.UTF_8);
      // the first key past every history key: the prefix's closing '/' and one more
      byte[] end = Arrays.copyOf(prefix, prefix.length);
      end[end.length - 1]++;
      while (!executor.isShutdown()) {
        List<KeyValue> first =
            etcd.await(
                    etcd.kv()
                        .get(
                            next,
                            GetOption.builder()
                                .withRange(ByteSequence.from(end))
                                .withKeysOnly(true)
                                .withLimit(1)
                                .build()),
                    "find the next service with history")
                .getKvs();
        if (first.isEmpty()) {
          return;
        }
        byte[] key = first.get(0).getKey().getBytes();
        int slash = indexOf(key, (byte) '/', prefix.length);
        if (slash < 0) {
          // a key written around the API, of no service: passed over
          next = ByteSequence.from(Arrays.copyOf(key, key.length + 1));
          continue;
        }
        byte[] name = Arrays.copyOfRange(key, prefix.length, slash);
        String service = new String(name, StandardCharsets.UTF_8);
        if (isServiceName(service, name)) {
          trimAll(service);
        }
        // the first key past every key of this service's: its bytes up to the '/', then the next
        // byte value, computed on the bytes (a name that is no UTF-8 would not come back from text)
        byte[] past = Arrays.copyOf(key, slash + 1);
        past[slash]++;
        next = ByteSequence.from(past);
      }
    }

    /** Trims {@code service} until it holds no more than the bound. */
    private void trimAll(String service) {
      long before = deleted;
      long removed;
      do {
        removed = retention.trimOrThrow(service);
        deleted += removed;
      } while (removed == HistoryRetention.MAX_DELETED_PER_WRITE && !executor.isShutdown());
      if (deleted > before) {
        trimmedServices++;
      }
    }
  }

  private static int indexOf(byte[] bytes, byte b, int from) {
    for (int i = from; i < bytes.length; i++) {
      if (bytes[i] == b) {
        return i;
      }
    }
    return -1;
  }

  /**
   * Whether keys under {@code name} (read from {@code bytes}) can be a service's: a name the API
   * refuses (blank, {@code ..}) or that is no UTF-8 was written around it, and is left as it is.
   */
  private static boolean isServiceName(String name, byte[] bytes) {
    if (!Arrays.equals(name.getBytes(StandardCharsets.UTF_8), bytes)) {
      return false;
    }
    try {
      EtcdKeys.requireSegment("service", name);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
