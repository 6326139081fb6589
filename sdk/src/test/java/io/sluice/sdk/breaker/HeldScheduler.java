package io.sluice.sdk.breaker;

import io.github.resilience4j.circuitbreaker.internal.SchedulerFactory;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Keeps Resilience4j's automatic-transition thread busy until closed. Every breaker schedules its
 * automatic OPEN → HALF_OPEN transition on that one thread of the JVM ({@link SchedulerFactory}, no
 * seam to pass another), so while it is held no such transition runs: to whoever reads the
 * breaker's state, exactly what a transition that Resilience4j lost looks like, made deterministic.
 * Closed, the thread runs what was scheduled and not cancelled meanwhile.
 */
final class HeldScheduler implements AutoCloseable {

  private static final long BOUND_SECONDS = 30;

  private final CountDownLatch released = new CountDownLatch(1);

  private HeldScheduler() {}

  /**
   * Holds the thread, returning once it is held. The thread is first started the way production
   * starts it ({@link AutoTransitionThread#prestart()}), so a test that holds it first never has it
   * created from its own thread, with that thread's context class loader and thread-locals.
   */
  static HeldScheduler hold() {
    AutoTransitionThread.prestart();
    HeldScheduler held = new HeldScheduler();
    CountDownLatch holding = new CountDownLatch(1);
    SchedulerFactory.getInstance()
        .getScheduler()
        .execute(
            () -> {
              holding.countDown();
              try {
                // bounded, so a test that fails to close it never holds the thread for good
                held.released.await(BOUND_SECONDS, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    try {
      if (!holding.await(BOUND_SECONDS, TimeUnit.SECONDS)) {
        throw new IllegalStateException("Resilience4j's scheduler thread was not free to hold");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while holding the scheduler thread", e);
    }
    return held;
  }

  @Override
  public void close() {
    released.countDown();
  }
}
