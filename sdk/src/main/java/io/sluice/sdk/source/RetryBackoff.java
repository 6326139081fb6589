package io.sluice.sdk.source;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How long a rule source waits before it tries etcd again: doubling from a minimum up to a maximum,
 * each wait drawn at random from its upper half, so that a fleet of agents that lost etcd together
 * does not come back in lockstep when it returns. Not thread-safe: confined to the source's thread.
 */
final class RetryBackoff {

  private final long minMillis;
  private final long maxMillis;
  private long nextMillis;

  RetryBackoff(Duration min, Duration max) {
    this.minMillis = min.toMillis();
    this.maxMillis = max.toMillis();
    this.nextMillis = minMillis;
  }

  /**
   * The wait before the next attempt, in milliseconds; doubles the one after, up to the maximum.
   */
  long next() {
    long current = nextMillis;
    nextMillis = Math.min(maxMillis, Math.max(1, current * 2));
    return current / 2 + ThreadLocalRandom.current().nextLong(current / 2 + 1);
  }

  /** Starts again from the minimum: etcd answered. */
  void reset() {
    nextMillis = minMillis;
  }
}
