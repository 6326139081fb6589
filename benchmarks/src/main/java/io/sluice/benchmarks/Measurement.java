package io.sluice.benchmarks;

import java.util.LinkedHashMap;
import java.util.Map;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;

/**
 * What the ratio table needs of one JMH result: which benchmark method, in which mode and with
 * which parameters, its score with the score's unit, and its allocation per operation. Kept apart
 * from JMH's {@link RunResult} so that the pairing of subjects with baselines can be tested with
 * plain values.
 *
 * @param className the benchmark class' binary name, e.g. {@code
 *     io.sluice.benchmarks.SamplerBenchmark}
 * @param method the benchmark method's name
 * @param mode JMH's short label of the mode: {@code thrpt}, {@code avgt}, {@code sample}, {@code
 *     ss}
 * @param params the {@code @Param} values by name
 * @param score the primary score, in {@code unit}
 * @param unit the primary score's unit as JMH prints it, e.g. {@code ns/op} or {@code ops/us}
 * @param bytesPerOp allocation per operation from the GC profiler, NaN without it
 */
record Measurement(
    String className,
    String method,
    String mode,
    Map<String, String> params,
    double score,
    String unit,
    double bytesPerOp) {

  /**
   * JMH's label of {@link org.openjdk.jmh.annotations.Mode#Throughput}, the one mode in ops/time.
   */
  static final String THROUGHPUT = "thrpt";

  Measurement {
    params = Map.copyOf(params);
  }

  static Measurement of(RunResult result) {
    BenchmarkParams p = result.getParams();
    String name = p.getBenchmark();
    Map<String, String> params = new LinkedHashMap<>();
    for (String key : p.getParamsKeys()) {
      params.put(key, p.getParam(key));
    }
    Result<?> primary = result.getPrimaryResult();
    Result<?> norm = result.getSecondaryResults().get("gc.alloc.rate.norm");
    return new Measurement(
        name.substring(0, name.lastIndexOf('.')),
        name.substring(name.lastIndexOf('.') + 1),
        p.getMode().shortLabel(),
        params,
        primary.getScore(),
        primary.getScoreUnit(),
        norm == null ? Double.NaN : norm.getScore());
  }

  boolean isThroughput() {
    return mode.equals(THROUGHPUT);
  }

  /** Whether {@code other} ran the same class, mode and parameters (any method). */
  boolean sameConfiguration(Measurement other) {
    return className.equals(other.className)
        && mode.equals(other.mode)
        && params.equals(other.params);
  }
}
