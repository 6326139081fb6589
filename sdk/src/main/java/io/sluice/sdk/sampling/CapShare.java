package io.sluice.sdk.sampling;

import java.util.concurrent.atomic.LongAdder;

/**
 * The share of the spans offered to a rule's rate cap that the cap let through in the last whole
 * window of a second, so that a span the cap kept can carry its true probability (the rule's ratio
 * times this share) and a backend's counts extrapolated from it come out right, not low. The share
 * is what the window let through, but no more than the cap's rate, of what it was offered; 1 when
 * the window refused nothing, or had no offers.
 *
 * <p>Each offer is one {@link LongAdder} increment (no allocation once its cells exist, little
 * contention). Windows follow each other a second apart from the cap's creation; the thread that
 * first sees one end turns its counts into the share, under a lock taken at most once a second;
 * offers racing with that turn may count in either window. The share describes the window before,
 * not the traffic now: at steady traffic that is the same; where the traffic changes, kept spans
 * carry the last window's share until the next window ends.
 */
final class CapShare {

  static final long WINDOW_NANOS = 1_000_000_000L;

  private final long perSecond;
  private final LongAdder kept = new LongAdder();
  private final LongAdder refused = new LongAdder();
  private volatile long windowStart;
  private volatile double share;

  /**
   * Counts from {@code nowNanos} on, with a share of {@code initial} until the first window ends: 1
   * for a new cap, the old one's for a retuned one.
   */
  CapShare(long perSecond, long nowNanos, double initial) {
    this.perSecond = perSecond;
    this.windowStart = nowNanos;
    this.share = initial;
  }

  /** Counts one offer at {@code nowNanos}, and whether the cap let it through. */
  void offered(boolean taken, long nowNanos) {
    if (nowNanos - windowStart >= WINDOW_NANOS) {
      turn(nowNanos);
    }
    (taken ? kept : refused).increment();
  }

  /**
   * The share let through in the last whole window, in (0, 1]; the initial one before the first one
   * ends.
   */
  double share() {
    return share;
  }

  private synchronized void turn(long nowNanos) {
    long windows = (nowNanos - windowStart) / WINDOW_NANOS;
    if (windows < 1) {
      return; // another thread turned it meanwhile
    }
    long k = kept.sumThenReset();
    long r = refused.sumThenReset();
    // Windows follow each other a second apart, whenever they are turned: the counts are those of
    // the window that just ended, which is the last whole one unless a whole window without offers
    // followed it (a window is turned only at an offer).
    if (r == 0 || windows >= 2) {
      // nothing refused, or no offer at all in the last whole window: the cap cut nothing
      share = 1.0;
    } else {
      // What the cap let through, but no more than its rate: the tokens a full bucket held when
      // the traffic rose above the cap let more through in that one window, and would overstate
      // the share of the next (a burst at 10 times the cap: 0.2 instead of 0.1). At least one: a
      // window in which every offer was refused must not claim a share of 0.
      share = Math.max(1, Math.min(k, perSecond)) / (double) (k + r);
    }
    windowStart += windows * WINDOW_NANOS;
  }
}
