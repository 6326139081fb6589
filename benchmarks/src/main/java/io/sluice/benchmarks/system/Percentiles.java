package io.sluice.benchmarks.system;

import java.util.Arrays;
import java.util.Locale;

/**
 * Nearest-rank percentiles of a set of durations in nanoseconds, shown in milliseconds: the one
 * summary every system benchmark prints, so their tables read alike.
 */
record Percentiles(int count, double p50Ms, double p90Ms, double p99Ms, double maxMs) {

  static Percentiles of(long[] nanos) {
    if (nanos.length == 0) {
      return new Percentiles(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    }
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    return new Percentiles(
        sorted.length,
        ms(rank(sorted, 0.50)),
        ms(rank(sorted, 0.90)),
        ms(rank(sorted, 0.99)),
        ms(sorted[sorted.length - 1]));
  }

  private static long rank(long[] sorted, double q) {
    int index = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }

  private static double ms(long nanos) {
    return nanos / 1_000_000.0;
  }

  String row() {
    return String.format(
        Locale.ROOT, "%5d %9.1f %9.1f %9.1f %9.1f", count, p50Ms, p90Ms, p99Ms, maxMs);
  }

  static String header() {
    return String.format(
        Locale.ROOT, "%5s %9s %9s %9s %9s", "n", "p50 ms", "p90 ms", "p99 ms", "max ms");
  }
}
