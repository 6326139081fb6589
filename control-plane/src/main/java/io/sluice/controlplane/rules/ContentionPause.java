package io.sluice.controlplane.rules;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * The pause between two attempts of a write another write beat ({@link RuleStore}). Writers of one
 * service that all lost a round would otherwise all read and try again at once, and all but one
 * lose again: of 60 concurrent PUTs of one service, a third lost all 20 of their attempts (409
 * {@code write-contention}). Each pause is random ("full jitter") up to a bound that doubles with
 * every attempt lost, from {@code first} up to {@code max}, so the losers spread out over time.
 *
 * <p>The pauses are short and bounded: with the default, all 19 of a write's pauses together are at
 * most about 1.6 s (half that on average), well under a client's request timeout.
 *
 * @param first the bound of the pause after the first attempt lost
 * @param max the largest bound
 */
record ContentionPause(Duration first, Duration max) {

  /** Up to 5 ms after the first attempt lost, the bound doubling up to 100 ms. */
  static final ContentionPause DEFAULT =
      new ContentionPause(Duration.ofMillis(5), Duration.ofMillis(100));

  ContentionPause {
    if (first.isNegative() || first.isZero()) {
      throw new IllegalArgumentException("first must be positive: " + first);
    }
    if (max.compareTo(first) < 0) {
      throw new IllegalArgumentException("max must be at least first (" + first + "): " + max);
    }
  }

  /** The bound of the pause after {@code lost} attempts lost in a row (1 or more). */
  Duration bound(int lost) {
    int doublings = Math.min(Math.max(lost - 1, 0), 30);
    Duration bound = first.multipliedBy(1L << doublings);
    return bound.compareTo(max) > 0 ? max : bound;
  }

  /**
   * Pauses a random while up to {@link #bound(int)}, on the calling (request) thread. A wake-up
   * before the time is fine: the pause only spreads writers out.
   *
   * @return false if the thread was interrupted (its flag set again): the write should stop trying
   */
  boolean pauseAfter(int lost) {
    long nanos = ThreadLocalRandom.current().nextLong(bound(lost).toNanos() + 1);
    LockSupport.parkNanos(nanos);
    return !Thread.currentThread().isInterrupted();
  }

  /** The longest that {@code pauses} pauses in a row can take together. */
  Duration longestTotal(int pauses) {
    Duration total = Duration.ZERO;
    for (int lost = 1; lost <= pauses; lost++) {
      total = total.plus(bound(lost));
    }
    return total;
  }
}
