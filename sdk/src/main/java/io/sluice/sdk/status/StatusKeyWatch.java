package io.sluice.sdk.status;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import io.sluice.sdk.EtcdErrors;
import java.nio.charset.StandardCharsets;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Tells the reporter when its status key is deleted behind it while the lease lives (an operator's
 * {@code etcdctl del --prefix} over the agents): the reporter skips writing a status that did not
 * change for up to a minute, and the agent would be missing from the control plane that long.
 *
 * <p>Watches deletes only, from just after the reporter's own put, so its writes cost no event. A
 * connection lost (etcd restarting, a network blip) leaves the watch to jetcd, which resumes it
 * where it stopped once etcd answers. A watch that ends (etcd compacted past it, refused it for
 * want of read permission, the client closed) is started again after the next successful put; why
 * it ended is logged at FINE only: the status is still written at least once a minute without it.
 *
 * <p>jetcd calls the listener while holding its watch client's lock, and takes that lock to start a
 * watch: a watch is never started while this holds its own lock, which the listener takes.
 */
final class StatusKeyWatch implements AutoCloseable {

  // The reporter's logger: one name for everything the status reporting logs.
  private static final Logger logger = Logger.getLogger(StatusReporter.class.getName());

  private final Client client;
  private final String key;
  private final Runnable onDeleted;

  /** Guarded by this. */
  private Watch.Watcher watcher;

  /** Whether a watch is being started, outside the lock; guarded by this. */
  private boolean starting;

  /** Guarded by this. */
  private boolean closed;

  StatusKeyWatch(Client client, String key, Runnable onDeleted) {
    this.client = client;
    this.key = key;
    this.onDeleted = onDeleted;
  }

  /**
   * Watches the key for deletes from {@code revision} on, unless a watch is running or starting
   * already: called after each successful put, with the revision after the put's.
   */
  void watchFrom(long revision) {
    synchronized (this) {
      if (closed || watcher != null || starting) {
        return;
      }
      starting = true;
    }
    Listener listener = new Listener();
    Watch.Watcher started = null;
    try {
      // progressNotify: jetcd's resume after a cut then starts near the present, not at the put
      // that started the watch, which compaction passes within the hour (the watch then ended)
      WatchOption option =
          WatchOption.builder()
              .withRevision(revision)
              .withNoPut(true)
              .withProgressNotify(true)
              .build();
      started =
          client
              .getWatchClient()
              .watch(ByteSequence.from(key, StandardCharsets.UTF_8), option, listener);
    } finally {
      synchronized (this) {
        starting = false;
        if (started != null && !closed && !listener.ended) {
          watcher = started;
          listener.own = started;
          started = null;
        }
      }
      if (started != null) {
        started.close(); // closed meanwhile, or ended before it was kept
      }
    }
  }

  @Override
  public void close() {
    Watch.Watcher stopping;
    synchronized (this) {
      closed = true;
      stopping = watcher;
      watcher = null;
    }
    if (stopping != null) {
      stopping.close();
    }
  }

  /** The watch of {@code listener} ended: the next put starts another. */
  private void ended(Listener listener, String why) {
    Watch.Watcher stopping;
    synchronized (this) {
      listener.ended = true; // one that ends while starting is not kept
      if (closed || watcher == null || watcher != listener.own) {
        return; // closed, or an older watch's late news
      }
      watcher = null;
      stopping = listener.own;
    }
    stopping.close();
    logger.log(Level.FINE, "the watch of " + key + " for deletes ended (" + why + ")");
  }

  private final class Listener implements Watch.Listener {

    /** The watch this listens to, once kept; guarded by the enclosing instance. */
    Watch.Watcher own;

    /** Whether the watch ended; guarded by the enclosing instance. */
    boolean ended;

    @Override
    public void onNext(WatchResponse response) {
      for (WatchEvent event : response.getEvents()) {
        if (event.getEventType() == WatchEvent.EventType.DELETE) {
          try {
            onDeleted.run();
          } catch (RuntimeException e) {
            logger.log(Level.FINE, "could not act on the delete of " + key, e);
          }
          return;
        }
      }
    }

    @Override
    public void onError(Throwable error) {
      if (EtcdErrors.isConnectionProblem(error)) {
        // jetcd resumes the watch where it stopped once etcd answers: closing it here left the
        // key unwatched until the next put, up to a minute for a status that does not change
        logger.log(
            Level.FINE,
            "the watch of "
                + key
                + " for deletes was interrupted ("
                + EtcdErrors.rootMessage(error)
                + "); it resumes when etcd answers");
        return;
      }
      ended(this, EtcdErrors.rootMessage(error));
    }

    @Override
    public void onCompleted() {
      ended(this, "completed");
    }
  }
}
