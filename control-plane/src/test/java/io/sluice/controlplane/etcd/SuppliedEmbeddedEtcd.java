package io.sluice.controlplane.etcd;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The embedded etcd's supervisor as a test tells it ({@link EmbeddedEtcdRuns}), while a real etcd,
 * never restarted, serves the calls: a test then drives what the gateway and its watches see of the
 * embedded etcd's exits and restarts (an event from another etcd on its port is any event that
 * comes while the supervisor says so), without a real restart's timing.
 */
final class SuppliedEmbeddedEtcd implements EmbeddedEtcdRuns {

  private volatile String trouble;
  private volatile long runs = 1;
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

  @Override
  public String trouble() {
    return trouble;
  }

  @Override
  public long runs() {
    return runs;
  }

  @Override
  public void whenRunningAgain(Runnable listener) {
    listeners.add(listener);
  }

  /** The embedded etcd exited: it does not run, for {@code why}. */
  void exited(String why) {
    trouble = why;
  }

  /**
   * A restart answers, as {@link EmbeddedEtcd} says it: one more run, then no trouble, but the
   * listeners are not told: what a watch sees when an event comes before they are.
   */
  void runsAgainUntold() {
    runs++;
    trouble = null;
  }

  /**
   * A restart answers, as {@link EmbeddedEtcd} says it: one more run, no trouble, listeners told.
   */
  void runsAgain() {
    runsAgainUntold();
    tellRunningAgain();
  }

  private void tellRunningAgain() {
    listeners.forEach(Runnable::run);
  }
}
