package io.sluice.controlplane.rules;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Takes the writes of one service on this control plane one at a time, in the order they came.
 * Writes of one service race each other in etcd (each compares the revisions it read): sixty at
 * once through one control plane left a third of them 409 {@code write-contention} after losing
 * every attempt, though nothing but each other got in their way. Taken in turn, each reads and
 * writes without a rival of its own control plane, and wins at once.
 *
 * <p>Correctness never rests on these locks: etcd's compare does that, also for the writes of
 * another control plane, which {@link ContentionPause} spreads out. A fixed set of fair locks,
 * chosen by the service's name, keeps no state per service; two services that share a lock only
 * take turns, briefly.
 */
final class ServiceWriteLocks {

  private static final int STRIPES = 64;

  private final ReentrantLock[] locks = new ReentrantLock[STRIPES];
  private final Duration wait;

  /**
   * @param wait how long a write waits for its turn before it is given up
   */
  ServiceWriteLocks(Duration wait) {
    if (wait.isNegative() || wait.isZero()) {
      throw new IllegalArgumentException("wait must be positive: " + wait);
    }
    this.wait = wait;
    for (int i = 0; i < STRIPES; i++) {
      locks[i] = new ReentrantLock(true);
    }
  }

  /** How long a write waits for its turn. */
  Duration waitLimit() {
    return wait;
  }

  /**
   * Waits for the turn of {@code service}'s write, at most {@link #waitLimit()}.
   *
   * @return the lock to release when the write is done, or {@code null} if the turn did not come in
   *     time or the thread was interrupted (its flag set again)
   */
  ReentrantLock await(String service) {
    ReentrantLock lock = locks[Math.floorMod(service.hashCode(), STRIPES)];
    try {
      return lock.tryLock(wait.toNanos(), TimeUnit.NANOSECONDS) ? lock : null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }
}
