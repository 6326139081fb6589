package io.sluice.controlplane.history;

import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import io.sluice.controlplane.etcd.EtcdGateway;
import io.sluice.rules.OneLineText;
import io.sluice.rules.wire.EtcdKeys;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
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
 * sweeping at once each keep at least the bound (see {@link HistoryRetention}).
 */
@Component
final class HistorySweep implements SmartLifecycle {

  private static final Logger LOG = Logger.getLogger(HistorySweep.class.getName());

  static final Duration FIRST_RETRY = Duration.ofSeconds(1);
  static final Duration LAST_RETRY = Duration.ofMinutes(1);

  private final EtcdGateway etcd;
  private final HistoryRetention retention;

  private ScheduledExecutorService executor;

  /** The first history key not swept yet; confined to the sweep's thread. */
  private String next;

  private long deleted;
  private int trimmedServices;
  private boolean failureTold;
  private Duration retry = FIRST_RETRY;

  HistorySweep(EtcdGateway etcd, HistoryRetention retention) {
    this.etcd = etcd;
    this.retention = retention;
  }

  @Override
  public synchronized void start() {
    if (retention.maxEntries() == 0 || executor != null) {
      return;
    }
    executor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "sluice-history-sweep");
              t.setDaemon(true);
              return t;
            });
    next = etcd.keys().historyPrefix();
    executor.execute(this::run);
  }

  @Override
  public synchronized void stop() {
    if (executor != null) {
      executor.shutdownNow();
      executor = null;
    }
  }

  @Override
  public synchronized boolean isRunning() {
    return executor != null;
  }

  /** Sweeps from where the last run stopped; on a failure, runs again later. */
  private void run() {
    try {
      sweep();
    } catch (RuntimeException e) {
      if (Thread.currentThread().isInterrupted()) {
        return; // stopping
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
      reschedule();
      return;
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
    finished();
  }

  private synchronized void reschedule() {
    if (executor != null) {
      executor.schedule(this::run, retry.toMillis(), TimeUnit.MILLISECONDS);
      Duration twice = retry.multipliedBy(2);
      retry = twice.compareTo(LAST_RETRY) > 0 ? LAST_RETRY : twice;
    }
  }

  private synchronized void finished() {
    if (executor != null) {
      executor.shutdown();
      executor = null;
    }
  }

  /** Trims each service whose history has a key at or after {@link #next}, in key order. */
  private void sweep() {
    String prefix = etcd.keys().historyPrefix();
    // the first key past every history key: the prefix's closing '/' and one more
    String end = prefix.substring(0, prefix.length() - 1) + (char) ('/' + 1);
    while (!Thread.currentThread().isInterrupted()) {
      List<KeyValue> first =
          etcd.await(
                  etcd.kv()
                      .get(
                          EtcdGateway.bytes(next),
                          GetOption.builder()
                              .withRange(EtcdGateway.bytes(end))
                              .withKeysOnly(true)
                              .withLimit(1)
                              .build()),
                  "find the next service with history")
              .getKvs();
      if (first.isEmpty()) {
        return;
      }
      String key = first.get(0).getKey().toString(StandardCharsets.UTF_8);
      int slash = key.indexOf('/', prefix.length());
      if (slash < 0) {
        next = key + '\0'; // a key written around the API, of no service: passed over
        continue;
      }
      String service = key.substring(prefix.length(), slash);
      if (isServiceName(service)) {
        trimAll(service);
      }
      // the first key past every key of the service's: its name, then the character after '/'
      next = prefix + service + (char) ('/' + 1);
    }
  }

  /**
   * Whether keys under {@code name} can be a service's: one the API refuses (blank, {@code ..}) was
   * written around it, and is left as it is.
   */
  private static boolean isServiceName(String name) {
    try {
      EtcdKeys.requireSegment("service", name);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** Trims {@code service} until it holds no more than the bound. */
  private void trimAll(String service) {
    long before = deleted;
    long removed;
    do {
      removed = retention.trimOrThrow(service);
      deleted += removed;
    } while (removed == HistoryRetention.MAX_DELETED_PER_WRITE);
    if (deleted > before) {
      trimmedServices++;
    }
  }
}
