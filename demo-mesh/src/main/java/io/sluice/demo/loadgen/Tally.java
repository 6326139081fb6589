package io.sluice.demo.loadgen;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Counts by outcome, latencies and error kinds over a period (one second, or the whole run). Not
 * thread-safe: used from the load generator's event loop only.
 */
final class Tally {
  private static final int MAX_ERROR_KINDS = 12;

  private final long[] counts = new long[Outcome.values().length];
  private final Latencies latencies;
  private final Map<String, Long> errorKinds = new LinkedHashMap<>();
  private long shed;

  Tally(int latencyCapacity) {
    this.latencies = new Latencies(latencyCapacity);
  }

  void record(Outcome outcome, long nanos, String errorKind) {
    counts[outcome.ordinal()]++;
    latencies.add(nanos);
    if (outcome == Outcome.ERROR) {
      String kind =
          errorKinds.containsKey(errorKind) || errorKinds.size() < MAX_ERROR_KINDS
              ? errorKind
              : "other";
      errorKinds.merge(kind, 1L, Long::sum);
    }
  }

  void shed() {
    shed++;
  }

  long count(Outcome outcome) {
    return counts[outcome.ordinal()];
  }

  long answered() {
    long total = 0;
    for (long count : counts) {
      total += count;
    }
    return total;
  }

  long shedCount() {
    return shed;
  }

  Latencies latencies() {
    return latencies;
  }

  Map<String, Long> errorKinds() {
    return Map.copyOf(errorKinds);
  }

  void clear() {
    Arrays.fill(counts, 0);
    latencies.clear();
    errorKinds.clear();
    shed = 0;
  }
}
