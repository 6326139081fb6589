package io.sluice.controlplane.rules;

import io.sluice.controlplane.etcd.EtcdUnavailableException;
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
 * <p>A write that found etcd unavailable says so to the writes waiting behind it ({@link
 * Turn#etcdFailedWhileWaiting()}): while etcd does not answer, each write takes the etcd deadline
 * to fail, and writes taking turns at that pace reached the turn's wait limit, the fourth of four
 * at once a 409 {@code write-contention} instead of the 503 {@code etcd-unavailable} it was. A
 * write told so answers 503 without a call of its own.
 *
 * <p>Correctness never rests on these locks: etcd's compare does that, also for the writes of
 * another control plane, which {@link ContentionPause} spreads out. A fixed set of fair locks,
 * chosen by the service's name, keeps no state per service; two services that share a lock only
 * take turns, briefly (and a write of one that found etcd unavailable fails those of the other
 * waiting behind it: etcd is one for all services).
 */
final class ServiceWriteLocks {

  private static final int STRIPES = 64;

  private final Stripe[] stripes = new Stripe[STRIPES];
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
      stripes[i] = new Stripe();
    }
  }

  /** How long a write waits for its turn. */
  Duration waitLimit() {
    return wait;
  }

  /**
   * Waits for the turn of {@code service}'s write, at most {@link #waitLimit()}.
   *
   * @return the turn, to {@linkplain Turn#release() release} when the write is done, or {@code
   *     null} if the turn did not come in time
   * @throws EtcdUnavailableException {@linkplain EtcdUnavailableException#interrupted()
   *     interrupted}, its flag set again, when the thread was interrupted while it waited: the
   *     control plane is stopping, which is what to answer, not other writes' contention
   */
  Turn await(String service) {
    Stripe stripe = stripe(service);
    // read before waiting: a failure recorded after this was one of a write ahead of this one
    EtcdFailure before = stripe.lastEtcdFailure;
    long began = System.nanoTime();
    try {
      if (!stripe.lock.tryLock(wait.toNanos(), TimeUnit.NANOSECONDS)) {
        return null;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw EtcdUnavailableException.interrupted(
          "a write of the rules of " + service + " was waiting its turn and was not sent",
          e,
          false,
          began);
    }
    EtcdFailure now = stripe.lastEtcdFailure;
    return new Turn(stripe, now == before ? null : now);
  }

  /** How many writes wait for the turn {@code service}'s write would wait for. */
  int waiting(String service) {
    return stripe(service).lock.getQueueLength();
  }

  private Stripe stripe(String service) {
    return stripes[Math.floorMod(service.hashCode(), STRIPES)];
  }

  /**
   * A call of a write that etcd did not answer in time, or that failed on its way.
   *
   * @param sentNanos when it was sent ({@link EtcdUnavailableException#sentNanos()})
   * @param hint {@link EtcdUnavailableException#hint()}
   * @param proxysAnswer {@link EtcdUnavailableException#proxysAnswer()}
   */
  record EtcdFailure(long sentNanos, String hint, String proxysAnswer) {}

  /** One lock and the last etcd failure of a write that held it. */
  private static final class Stripe {
    final ReentrantLock lock = new ReentrantLock(true);

    /**
     * Written by the holder only, read by those waiting; a new instance for each failure, so that a
     * waiter tells one failure from the next by identity.
     */
    volatile EtcdFailure lastEtcdFailure;
  }

  /** A write's turn: held until {@link #release()}. */
  static final class Turn {
    private final Stripe stripe;
    private final EtcdFailure failedWhileWaiting;

    private Turn(Stripe stripe, EtcdFailure failedWhileWaiting) {
      this.stripe = stripe;
      this.failedWhileWaiting = failedWhileWaiting;
    }

    /**
     * How a write ahead of this one found etcd unavailable while this one waited for its turn (the
     * last such write's), or {@code null} when none did.
     */
    EtcdFailure etcdFailedWhileWaiting() {
      return failedWhileWaiting;
    }

    /**
     * This write found etcd unavailable: the writes waiting behind it are told ({@link
     * #etcdFailedWhileWaiting()}). Not for a failure that says nothing of etcd (the control plane
     * stopping, the embedded etcd not running, which refuses a call at once).
     */
    void etcdFailed(EtcdUnavailableException e) {
      if (e.clientClosed() || e.interrupted() || e.embeddedTrouble() != null) {
        return;
      }
      stripe.lastEtcdFailure = new EtcdFailure(e.sentNanos(), e.hint(), e.proxysAnswer());
    }

    /** Gives the turn to the next write waiting. */
    void release() {
      stripe.lock.unlock();
    }
  }
}
