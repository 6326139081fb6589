package io.sluice.sdk.sampling;

import java.util.concurrent.atomic.LongAdder;

/**
 * The share of the spans offered to a rule's rate cap that the cap let through, over the last whole
 * window of a second, so that a span the cap kept can carry its true probability (the rule's ratio
 * times this share) and a backend's counts extrapolated from it come out right, not low. The share
 * is what the window let through, but no more than the cap's rate allows for it, of what it was
 * offered; 1 when the cap refused nothing.
 *
 * <p>Each offer is one {@link LongAdder} increment (no allocation once its cells exist, little
 * contention). The thread that first sees a window end turns its counts into the share, under a
 * lock taken at most once a second; offers racing with that turn may count in either window. The
 * share is 1 until the first window ends, and again after a whole second without offers. It
 * describes the window before, not the traffic now: at steady traffic that is the same; where the
 * traffic changes, kept spans carry the last window's share until the next window ends.
 */
final class CapShare {

  static final long WINDOW_NANOS = 1_000_000_000L;

  private final long perSecond;
  private final LongAdder kept = new LongAdder();
  private final LongAdder refused = new LongAdder();
  private volatile long windowStart;
  private volatile double share = 1.0;

  CapShare(long perSecond, long nowNanos) {
    this.perSecond = perSecond;
    this.windowStart = nowNanos;
  }

  /** Counts one offer at {@code nowNanos}, and whether the cap let it through. */
  void offered(boolean taken, long nowNanos) {
    if (nowNanos - windowStart >= WINDOW_NANOS) {
      turn(nowNanos);
    }
    (taken ? kept : refused).increment();
  }

  /** The share let through in the last whole window, in (0, 1]; 1 before the first one ends. */
  double share() {
    return share;
  }

  private synchronized void turn(long nowNanos) {
    if (nowNanos - windowStart < WINDOW_NANOS) {
      return; // another thread turned it meanwhile
    }
    long elapsed = nowNanos - windowStart;
    long k = kept.sumThenReset();
    long r = refused.sumThenReset();
    if (r == 0 || elapsed >= 2 * WINDOW_NANOS) {
      // Nothing refused: the cap cut nothing. Or the window's offers are older than the last whole
      // second, which had none (a window ends only at the next offer): the cap is full again, and
      // a share from before an idle hour would describe traffic long gone.
      share = 1.0;
    } else {
      // What the cap lets through in a window like this one: at most its rate. The tokens a full
      // bucket held when the traffic rose above the cap let more through in that one window, and
      // would overstate the share of the next (a burst at 10 times the cap: 0.2 instead of 0.1).
      // At least one: a window in which every offer was refused must not claim a share of 0.
      long rate = (long) Math.ceil(perSecond * (elapsed / (double) WINDOW_NANOS));
      share = Math.max(1, Math.min(k, rate)) / (double) (k + r);
    }
    windowStart = nowNanos;
  }
}
