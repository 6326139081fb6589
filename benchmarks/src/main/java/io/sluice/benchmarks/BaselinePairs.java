package io.sluice.benchmarks;

import java.util.List;
import java.util.Map;

/**
 * Which method of each benchmark class is the subject and which its baselines, for the table {@link
 * RunBenchmarks} prints. Explicit per class (by class literal, so a rename does not compile rather
 * than silently drop a class): a benchmark class missing here is reported, never guessed from its
 * name. A class may compare its subject with more than one baseline; the first is the one its
 * target is stated against.
 */
final class BaselinePairs {

  /** The subject method (Sluice) and a method that measures the same work without Sluice. */
  record Pair(String subject, String baseline) {}

  private static final Map<String, List<Pair>> PAIRS =
      Map.of(
          SamplerBenchmark.class.getName(),
          List.of(new Pair("sluice", "baseline")),
          BreakerBenchmark.class.getName(),
          List.of(
              new Pair("sluice", "plainResilience4j"),
              new Pair("sluice", "plainResilience4jByTarget")));

  private final Map<String, List<Pair>> pairs;

  private BaselinePairs(Map<String, List<Pair>> pairs) {
    this.pairs = Map.copyOf(pairs);
  }

  /** The pairs of this module's benchmark classes. */
  static BaselinePairs defaults() {
    return new BaselinePairs(PAIRS);
  }

  /** The class' pairs, in the order the table lists them; empty when the class has none. */
  List<Pair> forClass(String className) {
    return pairs.getOrDefault(className, List.of());
  }
}
