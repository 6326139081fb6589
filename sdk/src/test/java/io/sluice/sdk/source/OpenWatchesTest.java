package io.sluice.sdk.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.Watch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The open watches of a rule source: closed together, and a watch the source's thread opens once
 * the source is closing is closed at once rather than left open for a client that outlives it.
 */
class OpenWatchesTest {

  private final AtomicBoolean closing = new AtomicBoolean();
  private final OpenWatches watches = new OpenWatches(closing::get);

  @Test
  void closeAllClosesEveryWatchOnceAndForgetsThem() {
    CountingWatcher a = new CountingWatcher();
    CountingWatcher b = new CountingWatcher();
    watches.add(a);
    watches.add(b);
    assertThat(a.closes.get() + b.closes.get()).isZero();

    watches.closeAll();
    watches.closeAll();

    assertThat(a.closes).hasValue(1);
    assertThat(b.closes).hasValue(1);
  }

  @Test
  void aWatchAddedOnceTheSourceIsClosingIsClosedAtOnce() {
    closing.set(true);
    CountingWatcher late = new CountingWatcher();

    watches.add(late);

    assertThat(late.closes).hasValue(1);
    watches.closeAll();
    assertThat(late.closes).as("not kept to be closed again").hasValue(1);
  }

  @Test
  void aWatchThatFailsToCloseDoesNotKeepTheOthersOpen() {
    CountingWatcher broken = new CountingWatcher(true);
    CountingWatcher other = new CountingWatcher();
    watches.add(broken);
    watches.add(other);

    watches.closeAll();

    assertThat(broken.closes).hasValue(1);
    assertThat(other.closes).hasValue(1);
  }

  /** A watch that counts its closes; a broken one throws as a stream broken already does. */
  private static final class CountingWatcher implements Watch.Watcher {
    final AtomicInteger closes = new AtomicInteger();
    private final boolean broken;

    CountingWatcher() {
      this(false);
    }

    CountingWatcher(boolean broken) {
      this.broken = broken;
    }

    @Override
    public void close() {
      closes.incrementAndGet();
      if (broken) {
        throw new IllegalStateException("the stream is broken");
      }
    }

    @Override
    public boolean isClosed() {
      return closes.get() > 0;
    }

    @Override
    public void requestProgress() {}
  }
}
