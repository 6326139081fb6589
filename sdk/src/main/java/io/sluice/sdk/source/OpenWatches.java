package io.sluice.sdk.source;

import io.etcd.jetcd.Watch;
import java.util.ArrayList;
import java.util.List;

/**
 * The watches an {@link EtcdRuleSource} has open. Opened and replaced on the source's thread, but
 * also closed from the thread that closes the source when the source's own does not stop in time (a
 * caller's client that outlives the source must not keep streams to etcd open for it): guarded by
 * itself. Once {@linkplain #end() ended}, a watch added is closed at once.
 */
final class OpenWatches {

  private final List<Watch.Watcher> open = new ArrayList<>();
  private boolean ended;

  /** Keeps {@code watcher} until {@link #closeAll()}; closes it at once after {@link #end()}. */
  void add(Watch.Watcher watcher) {
    boolean kept;
    synchronized (this) {
      kept = !ended && open.add(watcher);
    }
    if (!kept) {
      closeQuietly(watcher);
    }
  }

  /** Closes the open watches; safe from any thread. */
  void closeAll() {
    List<Watch.Watcher> closing;
    synchronized (this) {
      closing = List.copyOf(open);
      open.clear();
    }
    closing.forEach(OpenWatches::closeQuietly);
  }

  /** Closes the open watches, and every one added from now on. */
  void end() {
    synchronized (this) {
      ended = true;
    }
    closeAll();
  }

  private static void closeQuietly(Watch.Watcher watcher) {
    try {
      watcher.close();
    } catch (RuntimeException ignored) {
      // The stream is broken already.
    }
  }
}
