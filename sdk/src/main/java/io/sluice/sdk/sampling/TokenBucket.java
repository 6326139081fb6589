package io.sluice.sdk.sampling;

import io.opentelemetry.sdk.common.Clock;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A lock-free token bucket of {@code perSecond} tokens refilled continuously, holding at most one
 * second's worth. Implemented as the generic cell rate algorithm: one atomic "theoretical arrival
 * time" instead of a token count and a refill timestamp, so a take is one read and one CAS and
 * never allocates. Over any interval of {@code t} seconds at most {@code perSecond * (t + 1)}
 * tokens are taken. The interval between tokens is whole nanoseconds, rounded up, so a cap of more
 * than a million a second refills slightly slower (above a billion a second: a billion); a full
 * bucket still holds exactly {@code perSecond}. Every take is also counted in a {@link CapShare},
 * so a kept span can carry the share of spans the cap let through.
 */
final class TokenBucket {

  private static final long SECOND_NANOS = 1_000_000_000L;

  private final Clock clock;
  private final long intervalNanos;
  private final long burstNanos;
  private final AtomicLong theoreticalArrival;
  private final CapShare share;

  TokenBucket(int perSecond, Clock clock) {
    if (perSecond < 0) {
      throw new IllegalArgumentException("perSecond must be >= 0: " + perSecond);
    }
    this.clock = clock;
    // rounded up: a cap may let slightly fewer through than configured, never more (rounded down,
    // 6e8 a second became one token a nanosecond)
    this.intervalNanos =
        perSecond == 0 ? Long.MAX_VALUE : (SECOND_NANOS + perSecond - 1) / perSecond;
    // room for exactly perSecond tokens: with the interval rounded up, a tolerance of one second
    // held one token fewer whenever a second is no whole number of intervals (2 for 3 a second)
    this.burstNanos = perSecond == 0 ? 0 : perSecond * intervalNanos;
    // a full bucket: the next SECOND_NANOS of arrivals are already paid for
    long now = clock.nanoTime();
    this.theoreticalArrival = new AtomicLong(now - SECOND_NANOS);
    this.share = new CapShare(perSecond, now);
  }

  /**
   * The factor by which this cap lowers the probability that a span offered to it is kept: the
   * share of takes it let through in the last whole second, as {@link CapShare} defines it.
   */
  double share() {
    return share.share();
  }

  /** Takes one token if there is one. */
  boolean tryTake() {
    if (intervalNanos == Long.MAX_VALUE) {
      return false;
    }
    long now = clock.nanoTime();
    while (true) {
      long tat = theoreticalArrival.get();
      long start = tat - now > 0 ? tat : now;
      long next = start + intervalNanos;
      if (next - now > burstNanos) {
        share.offered(false, now);
        return false;
      }
      if (theoreticalArrival.compareAndSet(tat, next)) {
        share.offered(true, now);
        return true;
      }
    }
  }
}
