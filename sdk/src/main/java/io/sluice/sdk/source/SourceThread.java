package io.sluice.sdk.source;

import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The one daemon thread an etcd rule source does all its work on, in order, so that reads, events,
 * compiles, publishing and saves never race and never run on a request thread. Stopping it is
 * bounded: an app's exit must not wait for a read against a silent etcd or a listener that hangs,
 * so a thread still busy after the wait is interrupted and abandoned, and the stop says where it
 * was busy. Tasks still queued or delayed when it stops are dropped, not run.
 */
final class SourceThread {

  private final String name;
  private volatile ScheduledThreadPoolExecutor pool;
  private volatile Thread thread;

  SourceThread(String name) {
    this.name = name;
  }

  /** Starts the thread; called at most once, before any task is handed over. */
  void start() {
    ScheduledThreadPoolExecutor started =
        new ScheduledThreadPoolExecutor(
            1,
            runnable -> {
              Thread created = new Thread(runnable, name);
              created.setDaemon(true);
              thread = created;
              return created;
            });
    started.setRemoveOnCancelPolicy(true);
    // on stop, pending retries are dropped rather than awaited
    started.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    pool = started;
  }

  /**
   * Runs {@code task} on the thread after the tasks before it; nothing before start or once
   * stopped.
   */
  void execute(Runnable task) {
    ScheduledThreadPoolExecutor current = pool;
    if (current == null) {
      return;
    }
    try {
      current.execute(task);
    } catch (RejectedExecutionException stopped) {
      // stopping: the task has nothing left to do
    }
  }

  /**
   * Runs {@code task} on the thread after {@code delayMillis}; nothing before start or once
   * stopped.
   */
  void schedule(Runnable task, long delayMillis) {
    ScheduledThreadPoolExecutor current = pool;
    if (current == null) {
      return;
    }
    try {
      current.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException stopped) {
      // stopping: the task has nothing left to do
    }
  }

  /**
   * Runs {@code last} after the tasks queued, then stops the thread: waits up to {@code timeout}
   * for it to end, else runs {@code beforeAbandon} (so that the thread, once interrupted, sees that
   * it was given up on) and interrupts it. An interrupted wait abandons the thread the same way and
   * restores the caller's interrupt.
   *
   * @return where the thread was busy when abandoned after the wait ({@code ""} when there was no
   *     thread); null when it ended in time, was never started, or the wait was interrupted
   */
  String stop(Runnable last, Duration timeout, Runnable beforeAbandon) {
    ScheduledThreadPoolExecutor current = pool;
    if (current == null) {
      return null;
    }
    execute(last);
    current.shutdown();
    try {
      if (current.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        return null;
      }
      beforeAbandon.run();
      Thread busy = thread;
      // read before the interrupt moves the thread on
      String busyIn = busy == null ? "" : BusyThreads.busyIn(busy);
      current.shutdownNow();
      return busyIn;
    } catch (InterruptedException e) {
      beforeAbandon.run();
      current.shutdownNow();
      Thread.currentThread().interrupt();
      return null;
    }
  }
}
