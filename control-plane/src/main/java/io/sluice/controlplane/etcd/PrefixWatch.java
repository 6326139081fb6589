package io.sluice.controlplane.etcd;

import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Mirrors every key under a prefix into a {@link Listener}: reads the prefix once, then watches it
 * from the revision after that read, so no change between the read and the watch is lost.
 *
 * <p>When the watch breaks (etcd down, the revision compacted away, the stream closed) it starts
 * over with a fresh read after a short, growing pause; the listener then receives a complete {@link
 * Listener#reset} snapshot, which replaces whatever it held. Keys deleted while the watch was down
 * therefore disappear too.
 *
 * <p>Callbacks come one at a time, from the watch thread or the given scheduler, never
 * concurrently.
 */
public final class PrefixWatch implements AutoCloseable {

  /** Receives the mirrored keys. Must not block for long. */
  public interface Listener {
    /** Everything under the prefix as of {@code revision}, replacing all that came before. */
    void reset(Map<String, KeyValue> snapshot, long revision);

    /** A key was created or changed. */
    void put(KeyValue kv);

    /** A key was deleted (or its lease expired) at {@code revision}. */
    void delete(String key, long revision);
  }

  private static final Logger LOG = Logger.getLogger(PrefixWatch.class.getName());
  private static final long MAX_BACKOFF_MS = 5_000;

  private final EtcdGateway etcd;
  private final String prefix;
  private final Listener listener;
  private final ScheduledExecutorService scheduler;
  private Watch.Watcher watcher;
  private long generation;
  private long backoffMs = 100;
  private boolean closed;

  public PrefixWatch(
      EtcdGateway etcd, String prefix, Listener listener, ScheduledExecutorService scheduler) {
    this.etcd = etcd;
    this.prefix = prefix;
    this.listener = listener;
    this.scheduler = scheduler;
  }

  /** Starts reading and watching, in the background. */
  public void start() {
    scheduler.execute(this::resync);
  }

  private void resync() {
    long gen;
    synchronized (this) {
      if (closed) {
        return;
      }
      if (watcher != null) {
        watcher.close();
        watcher = null;
      }
      gen = ++generation;
    }
    try {
      GetResponse read = etcd.getPrefix(prefix);
      long revision = read.getHeader().getRevision();
      Map<String, KeyValue> snapshot = new LinkedHashMap<>();
      for (KeyValue kv : read.getKvs()) {
        snapshot.put(EtcdGateway.text(kv.getKey()), kv);
      }
      synchronized (this) {
        if (closed || gen != generation) {
          return;
        }
        listener.reset(snapshot, revision);
        WatchOption option =
            WatchOption.builder().isPrefix(true).withRevision(revision + 1).build();
        watcher =
            etcd.watch()
                .watch(
                    EtcdGateway.bytes(prefix),
                    option,
                    Watch.listener(
                        response -> onEvents(gen, response),
                        error -> onBroken(gen, error),
                        () -> onBroken(gen, null)));
        backoffMs = 100;
      }
    } catch (RuntimeException e) {
      onBroken(gen, e);
    }
  }

  private synchronized void onEvents(long gen, WatchResponse response) {
    if (closed || gen != generation) {
      return;
    }
    for (WatchEvent event : response.getEvents()) {
      try {
        KeyValue kv = event.getKeyValue();
        if (event.getEventType() == WatchEvent.EventType.DELETE) {
          listener.delete(EtcdGateway.text(kv.getKey()), kv.getModRevision());
        } else if (event.getEventType() == WatchEvent.EventType.PUT) {
          listener.put(kv);
        }
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "a listener of " + prefix + " failed on an event", e);
      }
    }
  }

  private void onBroken(long gen, Throwable error) {
    long delay;
    synchronized (this) {
      if (closed || gen != generation) {
        return;
      }
      delay = backoffMs;
      backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
    }
    if (error instanceof CompactedException) {
      LOG.info("watch of " + prefix + " fell behind a compaction; reading it again");
      delay = 0;
    } else {
      LOG.log(
          Level.FINE, "watch of " + prefix + " broke; reading it again in " + delay + " ms", error);
    }
    scheduler.schedule(this::resync, delay, TimeUnit.MILLISECONDS);
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (watcher != null) {
      watcher.close();
      watcher = null;
    }
  }
}
