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
 * bucket still holds exactly {@code perSecond}.
 *
 * <p>It also tells which share of the attempts got a token in the last whole second ({@link
 * #shareLevel}): one more atomic add per attempt, on capped rules only.
 */
final class TokenBucket {

  /** {@link #shareLevel} of a bucket that let every call through: the whole share. */
  static final int WHOLE_SHARE = 1000;

  private static final long SECOND_NANOS = 1_000_000_000L;

  private final Clock clock;
  private final long intervalNanos;
  private final long burstNanos;
  private final AtomicLong theoreticalArrival;

  /**
   * This second's takes: attempts in the upper 32 bits, tokens taken in the lower (a cap is at most
   * 2^31 - 1 a second, and so many attempts in one second are out of reach).
   */
  private final AtomicLong takes = new AtomicLong();

  /** When this second of {@link #takes} began. */
  private final AtomicLong secondStarted;

  /** {@link #shareLevel}: of the last whole second. */
  private volatile int shareLevel = WHOLE_SHARE;

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
    this.secondStarted = new AtomicLong(now);
  }

  /** Takes one token if there is one, and counts the attempt for {@link #shareLevel}. */
  boolean tryTake() {
    if (intervalNanos == Long.MAX_VALUE) {
      return false;
    }
    long now = clock.nanoTime();
    boolean taken = take(now);
    count(now, taken);
    return taken;
  }

  private boolean take(long now) {
    while (true) {
      long tat = theoreticalArrival.get();
      long start = tat - now > 0 ? tat : now;
      long next = start + intervalNanos;
      if (next - now > burstNanos) {
        return false;
      }
      if (theoreticalArrival.compareAndSet(tat, next)) {
        return true;
      }
    }
  }

  /**
   * Counts an attempt in this second, and when a second is over, makes its share of tokens taken
   * the {@link #shareLevel}. One thread ends a second (the one whose compare-and-set moves its
   * start); an attempt counted as the second ends may land in either: an estimate.
   */
  private void count(long now, boolean taken) {
    long started = secondStarted.get();
    if (now - started >= SECOND_NANOS && secondStarted.compareAndSet(started, now)) {
      long ended = takes.getAndSet(0);
      long attempts = ended >>> 32;
      long tokens = ended & 0xffff_ffffL;
      // a second of no attempts (the rule idle) tells nothing: the last share stands
      if (attempts > 0) {
        shareLevel = (int) Math.max(1, Math.min(WHOLE_SHARE, tokens * WHOLE_SHARE / attempts));
      }
    }
    takes.addAndGet(taken ? (1L << 32) | 1 : 1L << 32);
  }

  /**
   * The share of attempts that got a token in the last whole second, in thousandths ({@link
   * #WHOLE_SHARE} when every one did, or before a second has passed): how much the cap lowered the
   * probability of the calls it let through, so that their recorded probability lets a backend
   * extrapolate counts. At least 1: a call let through had some chance.
   */
  int shareLevel() {
    return shareLevel;
  }
}
