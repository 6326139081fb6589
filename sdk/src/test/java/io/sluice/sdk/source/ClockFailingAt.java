package io.sluice.sdk.source;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A clock whose {@code n}th reading fails, as a bug in a source's task would; every other reading
 * is the system's time. Sources read their clock only to stamp a rejection.
 */
final class ClockFailingAt extends Clock {
  private final AtomicInteger readings = new AtomicInteger();
  private final int n;

  ClockFailingAt(int n) {
    this.n = n;
  }

  /** The message of the failing reading's exception. */
  String failure() {
    return "reading " + n + " of the clock fails, as a test asks";
  }

  @Override
  public Instant instant() {
    if (readings.incrementAndGet() == n) {
      throw new IllegalStateException(failure());
    }
    return Instant.now();
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException();
  }
}
