package io.sluice.sdk.breaker;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A clock that runs an action once, at its next reading, then reads {@code time}: Resilience4j and
 * the registry read the clock at known points, so a test can have another thread's work (a retune,
 * a failure) land exactly there, deterministically, without hooks in the code under test.
 */
final class HookedClock extends Clock {

  private final Clock time;
  private final AtomicReference<Runnable> next = new AtomicReference<>();
  private final AtomicInteger ran = new AtomicInteger();

  HookedClock(Clock time) {
    this.time = time;
  }

  /** Runs {@code action} at the next reading of this clock (only then). */
  void onNextReading(Runnable action) {
    next.set(action);
  }

  /** How many actions ran. */
  int ran() {
    return ran.get();
  }

  @Override
  public Instant instant() {
    Runnable action = next.getAndSet(null);
    if (action != null) {
      ran.incrementAndGet();
      action.run();
    }
    return time.instant();
  }

  @Override
  public ZoneId getZone() {
    return time.getZone();
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException(
        "a HookedClock keeps its clock's zone, asked for " + zone);
  }
}
