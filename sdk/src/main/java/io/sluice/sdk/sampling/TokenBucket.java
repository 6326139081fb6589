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
  private final int perSecond;
  private final long intervalNanos;
  private final long burstNanos;
  private final AtomicLong theoreticalArrival;
  private final CapShare share;

  /** A full bucket of {@code perSecond} tokens a second. */
  TokenBucket(int perSecond, Clock clock) {
    this(perSecond, clock, -1, 1.0);
  }

  /**
   * A bucket of {@code perSecond} tokens a second holding {@code tokens} now ({@code -1}: full;
   * more than it holds: full), whose share is {@code share} until its first second is counted.
   */
  private TokenBucket(int perSecond, Clock clock, long tokens, double share) {
    if (perSecond < 0) {
      throw new IllegalArgumentException("perSecond must be >= 0: " + perSecond);
    }
    this.clock = clock;
    this.perSecond = perSecond;
    // rounded up: a cap may let slightly fewer through than configured, never more (rounded down,
    // 6e8 a second became one token a nanosecond)
    this.intervalNanos =
        perSecond == 0 ? Long.MAX_VALUE : (SECOND_NANOS + perSecond - 1) / perSecond;
    // room for exactly perSecond tokens: with the interval rounded up, a tolerance of one second
    // held one token fewer whenever a second is no whole number of intervals (2 for 3 a second)
    this.burstNanos = perSecond == 0 ? 0 : perSecond * intervalNanos;
    long now = clock.nanoTime();
    // full: the next SECOND_NANOS of arrivals are already paid for; else the arrivals of the tokens
    // it lacks are still to come
    this.theoreticalArrival =
        new AtomicLong(
            tokens < 0 || tokens >= perSecond
                ? now - SECOND_NANOS
                : now + burstNanos - tokens * intervalNanos);
    this.share = new CapShare(perSecond, now, share);
  }

  /**
   * A bucket of {@code perSecond} tokens a second that holds the tokens this one holds now, at most
   * {@code perSecond}: a rule whose cap changes goes on from what it spent, so a cap raised during
   * a burst lets no more through at once than the tokens left (a fresh bucket would let the whole
   * new cap through on top of what the old one let through that second). The share let through is
   * this one's until the new bucket has counted its first second (a share of 1 meanwhile would have
   * kept spans carry too high a probability while the bucket it took over refuses most). This very
   * bucket when its cap is {@code perSecond} already.
   */
  TokenBucket retuned(int perSecond) {
    if (perSecond == this.perSecond) {
      return this;
    }
    return new TokenBucket(perSecond, clock, tokens(), share.share());
  }

  /** The cap: tokens a second. */
  int perSecond() {
    return perSecond;
  }

  /** The tokens this bucket holds now. */
  long tokens() {
    if (intervalNanos == Long.MAX_VALUE) {
      return 0;
    }
    long owed = Math.max(0, theoreticalArrival.get() - clock.nanoTime());
    return Math.max(0, (burstNanos - owed) / intervalNanos);
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
