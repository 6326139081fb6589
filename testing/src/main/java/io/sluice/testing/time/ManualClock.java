package io.sluice.testing.time;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A {@link Clock} that moves only when a test calls {@link #advance}, so code that takes its clock
 * as a parameter (breakers, gauges, the last-known-good store) can be driven through time without
 * waiting. Shared by every module's tests, so none writes its own. Reads are safe from any thread;
 * the zone is always UTC.
 */
public final class ManualClock extends Clock {

  private final AtomicReference<Instant> now;

  public ManualClock(Instant start) {
    this.now = new AtomicReference<>(start);
  }

  /** Moves the clock forward by {@code by}; every later reading sees the new time. */
  public void advance(Duration by) {
    now.updateAndGet(instant -> instant.plus(by));
  }

  @Override
  public Instant instant() {
    return now.get();
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  /** Unsupported: a second clock in another zone would not move with this one. */
  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException("a ManualClock is UTC only, asked for " + zone);
  }
}
