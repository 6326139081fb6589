package io.sluice.demo.loadgen;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Latencies of answered requests, with percentiles. Keeps at most {@code capacity} samples (a
 * uniform reservoir beyond that), so a long run stays within a fixed amount of memory while the
 * percentiles of short runs are exact. Not thread-safe: the load generator uses it from one event
 * loop.
 */
final class Latencies {
  private final int capacity;
  private final SplittableRandom random = new SplittableRandom(0x5eed);
  private long[] samples = new long[256];
  private int size;
  private long seen;
  private long max;

  Latencies(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1, was " + capacity);
    }
    this.capacity = capacity;
  }

  void add(long nanos) {
    seen++;
    max = Math.max(max, nanos);
    if (size < capacity) {
      if (size == samples.length) {
        samples = Arrays.copyOf(samples, Math.min(capacity, size * 2));
      }
      samples[size++] = nanos;
    } else {
      long slot = random.nextLong(seen);
      if (slot < capacity) {
        samples[(int) slot] = nanos;
      }
    }
  }

  /** How many latencies were added since the last {@link #clear()}. */
  long count() {
    return seen;
  }

  /** The {@code quantile} (0 to 1) by nearest rank, 0 when empty. */
  long quantile(double quantile) {
    if (size == 0) {
      return 0;
    }
    long[] sorted = Arrays.copyOf(samples, size);
    Arrays.sort(sorted);
    int rank = (int) Math.ceil(quantile * size);
    return sorted[Math.max(0, Math.min(size, rank) - 1)];
  }

  /** The largest latency seen, 0 when empty. */
  long max() {
    return max;
  }

  void clear() {
    size = 0;
    seen = 0;
    max = 0;
  }
}
