package io.sluice.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RatioTableTest {

  private static final String BREAKER = BreakerBenchmark.class.getName();
  private static final String SAMPLER = SamplerBenchmark.class.getName();

  private final RatioTable table = new RatioTable(BaselinePairs.defaults());

  @Test
  void pairsEachSubjectWithTheBaselineOfItsOwnMode() {
    List<String> lines =
        table.render(
            List.of(
                breaker("sluice", "thrpt", 0.01, "ops/ns"),
                breaker("sluice", "avgt", 100, "ns/op"),
                breaker("plainResilience4j", "thrpt", 0.02, "ops/ns"),
                breaker("plainResilience4j", "avgt", 50, "ns/op"),
                breaker("plainResilience4jByTarget", "thrpt", 0.005, "ops/ns"),
                breaker("plainResilience4jByTarget", "avgt", 200, "ns/op")));

    assertThat(lines).noneMatch(line -> line.startsWith("warning"));
    assertThat(row(lines, "vs plainResilience4j ", "thrpt")).contains("ops/ns").contains(" 2.00 ");
    assertThat(row(lines, "vs plainResilience4j ", "avgt")).contains("ns/op").contains(" 2.00 ");
    assertThat(row(lines, "vs plainResilience4jByTarget ", "thrpt")).contains(" 0.50 ");
    assertThat(row(lines, "vs plainResilience4jByTarget ", "avgt")).contains(" 0.50 ");
  }

  @Test
  void labelsRowsWithoutABaselinesNameWhereTheClassHasOnlyOne() {
    List<String> lines =
        table.render(
            List.of(
                new Measurement(SAMPLER, "sluice", "avgt", Map.of("rules", "10"), 30, "ns/op", 0),
                new Measurement(
                    SAMPLER, "baseline", "avgt", Map.of("rules", "10"), 20, "ns/op", 0)));

    assertThat(lines)
        .filteredOn(line -> line.startsWith("SamplerBenchmark"))
        .singleElement()
        .satisfies(
            line -> assertThat(line).startsWith("SamplerBenchmark rules=10 ").contains(" 1.50 "))
        .satisfies(line -> assertThat(line).doesNotContain(" vs "));
  }

  @Test
  void timeRatioReadsTheSameWayForThroughputAndAverageTime() {
    Measurement slowThrpt = breaker("sluice", "thrpt", 1, "ops/us");
    Measurement fastThrpt = breaker("plainResilience4j", "thrpt", 4, "ops/us");
    Measurement slowAvgt = breaker("sluice", "avgt", 4, "us/op");
    Measurement fastAvgt = breaker("plainResilience4j", "avgt", 1, "us/op");

    assertThat(RatioTable.timeRatio(slowThrpt, fastThrpt)).isEqualTo(4.0);
    assertThat(RatioTable.timeRatio(slowAvgt, fastAvgt)).isEqualTo(4.0);
  }

  @Test
  void warnsWhenASubjectHasNoBaselineInItsMode() {
    List<String> lines =
        table.render(
            List.of(
                breaker("sluice", "avgt", 100, "ns/op"),
                breaker("plainResilience4j", "thrpt", 0.02, "ops/ns")));

    assertThat(lines)
        .filteredOn(line -> line.startsWith("warning"))
        .containsExactly(
            "warning: no plainResilience4j result in mode avgt for BreakerBenchmark"
                + " meters=noop,policies=1; not in the table",
            "warning: no plainResilience4jByTarget result in mode avgt for BreakerBenchmark"
                + " meters=noop,policies=1; not in the table");
    assertThat(lines).noneMatch(line -> line.startsWith("BreakerBenchmark"));
  }

  @Test
  void doesNotPairAcrossParameters() {
    List<String> lines =
        table.render(
            List.of(
                new Measurement(SAMPLER, "sluice", "avgt", Map.of("rules", "10"), 20, "ns/op", 0),
                new Measurement(
                    SAMPLER, "baseline", "avgt", Map.of("rules", "100"), 19, "ns/op", 0)));

    assertThat(lines).anyMatch(line -> line.startsWith("warning: no baseline result"));
  }

  @Test
  void warnsOnceForAClassWithoutAPair() {
    String unknown = "io.sluice.benchmarks.ExporterBenchmark";
    List<String> lines =
        table.render(
            List.of(
                new Measurement(unknown, "sluice", "avgt", Map.of(), 1, "ns/op", 0),
                new Measurement(unknown, "baseline", "avgt", Map.of(), 1, "ns/op", 0)));

    assertThat(lines)
        .filteredOn(line -> line.startsWith("warning"))
        .containsExactly(
            "warning: "
                + unknown
                + " has no subject/baseline pair in BaselinePairs; not in the table");
  }

  @Test
  void warnsForAMethodThatIsNeitherSubjectNorBaseline() {
    List<String> lines = table.render(List.of(breaker("sluiceAsync", "avgt", 1, "ns/op")));

    assertThat(lines)
        .contains(
            "warning: "
                + BREAKER
                + ".sluiceAsync is none of the methods BaselinePairs pairs (sluice,"
                + " plainResilience4j, plainResilience4jByTarget); not in the table");
  }

  private static Measurement breaker(String method, String mode, double score, String unit) {
    return new Measurement(
        BREAKER, method, mode, Map.of("policies", "1", "meters", "noop"), score, unit, 40);
  }

  private static String row(List<String> lines, String versus, String mode) {
    return lines.stream()
        .filter(line -> line.startsWith("BreakerBenchmark") && line.contains(versus))
        .filter(line -> line.contains(" " + mode + " "))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + versus + mode + " row in " + lines));
  }
}
