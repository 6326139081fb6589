package io.sluice.sdk.source;

import io.etcd.jetcd.Watch;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The watches an {@link EtcdRuleSource} has open. Opened and replaced on the source's thread, but
 * also closed from the thread that closes the source when the source's own does not stop in time (a
 * caller's client that outlives the source must not keep streams to etcd open for it): guarded by
 * itself. A watch added once the source is closing is closed at once, so the close's own {@link
 * #closeAll()} leaves none open whatever the source's thread still does.
 */
final class OpenWatches {

  private final List<Watch.Watcher> open = new ArrayList<>();
  private final BooleanSupplier closing;

  /** {@code closing}: whether the source's close() has begun, which calls closeAll() after. */
  OpenWatches(BooleanSupplier closing) {
    this.closing = closing;
  }

  /** Keeps {@code watcher} until {@link #closeAll()}, or closes it at once when closing. */
  void add(Watch.Watcher watcher) {
    boolean kept;
    synchronized (this) {
      kept = !closing.getAsBoolean() && open.add(watcher);
    }
    if (!kept) {
      closeQuietly(watcher);
    }
  }

  /** Closes the open watches; safe from any thread. */
  void closeAll() {
    List<Watch.Watcher> toClose;
    synchronized (this) {
      toClose = List.copyOf(open);
      open.clear();
    }
    toClose.forEach(OpenWatches::closeQuietly);
  }

  private static void closeQuietly(Watch.Watcher watcher) {
    try {
      watcher.close();
    } catch (RuntimeException ignored) {
      // The stream is broken already.
    }
  }
}
