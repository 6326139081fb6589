package io.sluice.controlplane.etcd;

import java.util.concurrent.ScheduledExecutorService;

/**
 * {@link PrefixWatches} for tests of other packages, whose constructor is package-private: the
 * watches run their reads on {@code scheduler}, so one that never runs them keeps the mirrors idle
 * while the feature under test is fed its events by hand.
 */
public final class TestPrefixWatches {

  private TestPrefixWatches() {}

  /** Watches of {@code etcd} that read and retry on {@code scheduler}. */
  public static PrefixWatches on(EtcdGateway etcd, ScheduledExecutorService scheduler) {
    return new PrefixWatches(etcd, scheduler);
  }
}
