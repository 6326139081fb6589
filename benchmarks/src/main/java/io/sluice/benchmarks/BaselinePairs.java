package io.sluice.benchmarks;

import java.util.Map;

/**
 * Which method of each benchmark class is the subject and which its baseline, for the table {@link
 * RunBenchmarks} prints. Explicit per class (by class literal, so a rename does not compile rather
 * than silently drop a class): a benchmark class missing here is reported, never guessed from its
 * name.
 */
final class BaselinePairs {

  /** The subject method (Sluice) and the method that measures the same work without Sluice. */
  record Pair(String subject, String baseline) {}

  private static final Map<String, Pair> PAIRS =
      Map.of(
          SamplerBenchmark.class.getName(), new Pair("sluice", "baseline"),
          BreakerBenchmark.class.getName(), new Pair("sluice", "plainResilience4j"));

  private final Map<String, Pair> pairs;

  private BaselinePairs(Map<String, Pair> pairs) {
    this.pairs = Map.copyOf(pairs);
  }

  /** The pairs of this module's benchmark classes. */
  static BaselinePairs defaults() {
    return new BaselinePairs(PAIRS);
  }

  /** Given pairs, by benchmark class name (for tests). */
  static BaselinePairs of(Map<String, Pair> pairs) {
    return new BaselinePairs(pairs);
  }

  /** The class' pair, or null when the class has none. */
  Pair forClass(String className) {
    return pairs.get(className);
  }
}
