package io.sluice.sdk.breaker;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Calls, errors and a latency histogram of one outgoing target over the current and the previous
 * minute, the calls and errors no breaker policy guarded, and among them those a policy in shadow
 * mode matched, in fixed arrays (about 700 bytes per target). Recording is a few atomic increments.
 * Reports approximate a sliding minute: the current minute plus the previous one weighted by the
 * part of it still inside the last 60 seconds. Latencies go into buckets of half an octave of
 * microseconds (16 µs .. 4.5 min), so a reported p99 is the upper bound of its bucket (at most
 * about 50% above the true value); the buckets also count the completed calls. A rotation racing
 * with a recording may lose that one recording.
 */
final class TargetRecorder {

  static final long MINUTE_NANOS = 60_000_000_000L;
  private static final int BUCKETS = 56;

  /** The minute recordings currently go to: its number, first nanosecond and slot. */
  private record Minute(long number, long startNanos, int slot) {
    static Minute of(long nowNanos) {
      long number = Math.floorDiv(nowNanos, MINUTE_NANOS);
      return new Minute(number, number * MINUTE_NANOS, (int) (number & 1));
    }
  }

  private final AtomicLongArray minutes = new AtomicLongArray(2);
  private final AtomicLongArray errors = new AtomicLongArray(2);
  private final AtomicLongArray rejected = new AtomicLongArray(2);
  private final AtomicLongArray unguarded = new AtomicLongArray(2);
  private final AtomicLongArray unguardedErrors = new AtomicLongArray(2);
  private final AtomicLongArray shadowed = new AtomicLongArray(2);
  private final AtomicIntegerArray latencies = new AtomicIntegerArray(2 * BUCKETS);
  private volatile Minute current;

  TargetRecorder(long nowNanos) {
    Minute minute = Minute.of(nowNanos);
    long number = minute.number;
    minutes.set(0, (number & 1) == 0 ? number : number - 1);
    minutes.set(1, (number & 1) == 1 ? number : number - 1);
    current = minute;
  }

  /**
   * Records a completed call: one atomic increment for a guarded success (the call count is the sum
   * of the latency buckets), one more for an error, one or two more for a call no policy guarded,
   * and one more for one a policy in shadow mode matched ({@code shadow}: it rejects nothing, so
   * such a call is not {@code guarded}).
   */
  void record(long nowNanos, long durationNanos, boolean error, boolean guarded, boolean shadow) {
    int slot = slot(nowNanos);
    if (slot < 0) {
      return;
    }
    if (error) {
      errors.incrementAndGet(slot);
    }
    if (!guarded) {
      unguarded.incrementAndGet(slot);
      if (error) {
        unguardedErrors.incrementAndGet(slot);
      }
      if (shadow) {
        shadowed.incrementAndGet(slot);
      }
    }
    latencies.incrementAndGet(slot * BUCKETS + bucket(durationNanos / 1000));
  }

  /** Records a call refused by a breaker: a guarded call and an error, no latency. */
  void recordRejected(long nowNanos) {
    int slot = slot(nowNanos);
    if (slot < 0) {
      return;
    }
    rejected.incrementAndGet(slot);
    errors.incrementAndGet(slot);
  }

  /**
   * The slot of {@code nowNanos}'s minute, a comparison (not a division) within the current minute;
   * -1 for a time before the previous minute, whose slot holds newer figures.
   */
  private int slot(long nowNanos) {
    Minute m = current;
    long offset = nowNanos - m.startNanos;
    if (offset >= 0 && offset < MINUTE_NANOS) {
      return m.slot;
    }
    return rotate(Minute.of(nowNanos));
  }

  private synchronized int rotate(Minute minute) {
    if (minute.number < current.number - 1) {
      return -1;
    }
    int slot = minute.slot;
    if (minutes.get(slot) != minute.number) {
      errors.set(slot, 0);
      rejected.set(slot, 0);
      unguarded.set(slot, 0);
      unguardedErrors.set(slot, 0);
      shadowed.set(slot, 0);
      for (int i = 0; i < BUCKETS; i++) {
        latencies.set(slot * BUCKETS + i, 0);
      }
      minutes.set(slot, minute.number);
    }
    if (minute.number > current.number) {
      current = minute;
    }
    return slot;
  }

  static int bucket(long micros) {
    if (micros < 16) {
      return 0;
    }
    int exp = 63 - Long.numberOfLeadingZeros(micros); // >= 4
    int half = (int) ((micros >>> (exp - 1)) & 1);
    return Math.min(BUCKETS - 1, (exp - 4) * 2 + half + 1);
  }

  /** The upper bound of a bucket in milliseconds. */
  static double upperMillis(int bucket) {
    if (bucket == 0) {
      return 0.016;
    }
    int exp = (bucket - 1) / 2 + 4;
    int half = (bucket - 1) % 2;
    double upperMicros = Math.scalb(1.0, exp) * (half == 0 ? 1.5 : 2.0);
    return upperMicros / 1000.0;
  }

  /** Traffic over the last minute, as of {@code nowNanos}. */
  Snapshot snapshot(long nowNanos) {
    long minute = Math.floorDiv(nowNanos, MINUTE_NANOS);
    double previousWeight = 1.0 - (double) Math.floorMod(nowNanos, MINUTE_NANOS) / MINUTE_NANOS;
    int cur = (int) (minute & 1);
    int prev = 1 - cur;
    double wCur = minutes.get(cur) == minute ? 1.0 : 0.0;
    double wPrev = minutes.get(prev) == minute - 1 ? previousWeight : 0.0;
    double errorCount = wCur * errors.get(cur) + wPrev * errors.get(prev);
    double[] hist = new double[BUCKETS];
    double total = 0;
    for (int i = 0; i < BUCKETS; i++) {
      hist[i] = wCur * latencies.get(cur * BUCKETS + i) + wPrev * latencies.get(prev * BUCKETS + i);
      total += hist[i];
    }
    double callCount = total + wCur * rejected.get(cur) + wPrev * rejected.get(prev);
    double unguardedCount = wCur * unguarded.get(cur) + wPrev * unguarded.get(prev);
    double unguardedErrorCount =
        wCur * unguardedErrors.get(cur) + wPrev * unguardedErrors.get(prev);
    double shadowedCount = wCur * shadowed.get(cur) + wPrev * shadowed.get(prev);
    Double p99 = null;
    if (total > 0) {
      double rank = total * 0.99;
      double seen = 0;
      for (int i = 0; i < BUCKETS; i++) {
        seen += hist[i];
        if (seen >= rank && hist[i] > 0) {
          p99 = upperMillis(i);
          break;
        }
      }
    }
    return new Snapshot(
        Math.round(callCount),
        Math.round(errorCount),
        p99,
        Math.round(unguardedCount),
        Math.round(unguardedErrorCount),
        Math.round(shadowedCount));
  }

  /**
   * Traffic over the last minute; the unguarded calls and errors are part of the totals, and the
   * calls a policy in shadow mode matched ({@code shadowCalls}) part of the unguarded ones. {@code
   * p99Millis} is {@code null} when no call completed (every one was rejected, or none was made).
   */
  record Snapshot(
      long calls,
      long errors,
      Double p99Millis,
      long unguardedCalls,
      long unguardedErrors,
      long shadowCalls) {}
}
