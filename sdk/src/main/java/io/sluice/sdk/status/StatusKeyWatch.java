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
 * watch that ends (etcd compacted past it, refused it for want of read permission, the client
 * closed) is started again after the next successful put; why it ended is logged at FINE only: the
 * status is still written at least once a minute without it.
 */
final class StatusKeyWatch implements AutoCloseable {

  // The reporter's logger: one name for everything the status reporting logs.
  private static final Logger logger = Logger.getLogger(StatusReporter.class.getName());

  private final Client client;
  private final String key;
  private final Runnable onDeleted;

  /** Guarded by this. */
  private Watch.Watcher watcher;

  /** Guarded by this. */
  private boolean closed;

  StatusKeyWatch(Client client, String key, Runnable onDeleted) {
    this.client = client;
    this.key = key;
    this.onDeleted = onDeleted;
  }

  /**
   * Watches the key for deletes from {@code revision} on, unless a watch is running already: called
   * after each successful put, with the revision after the put's.
   */
  synchronized void watchFrom(long revision) {
    if (closed || watcher != null) {
      return;
    }
    WatchOption option = WatchOption.builder().withRevision(revision).withNoPut(true).build();
    Listener listener = new Listener();
    watcher =
        client
            .getWatchClient()
            .watch(ByteSequence.from(key, StandardCharsets.UTF_8), option, listener);
    // set while holding the lock, which the listener's callbacks take before they read it
    listener.own = watcher;
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
    synchronized (this) {
      if (closed || watcher == null || watcher != listener.own) {
        return; // closed, or an older watch's late news
      }
      watcher = null;
    }
    listener.own.close();
    logger.log(Level.FINE, "the watch of " + key + " for deletes ended (" + why + ")");
  }

  private final class Listener implements Watch.Listener {

    /** The watch this listens to; guarded by the enclosing instance. */
    Watch.Watcher own;

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
      ended(this, EtcdErrors.rootMessage(error));
    }

    @Override
    public void onCompleted() {
      ended(this, "completed");
    }
  }
}
