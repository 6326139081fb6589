package io.sluice.benchmarks;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceId;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;
import io.sluice.rules.CompiledRules;
import io.sluice.rules.RuleDocument;
import io.sluice.rules.SamplingPolicy;
import io.sluice.rules.SamplingRule;
import io.sluice.rules.SpanMatch;
import io.sluice.sdk.ActiveRules;
import io.sluice.sdk.ActiveRulesHolder;
import io.sluice.sdk.sampling.RuleSampler;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * A root span's sampling decision: Sluice's rule sampler with 1, 10 and 100 rules, where only the
 * last rule matches (the worst case for a first-match list), beside OpenTelemetry's {@code
 * parentBased(traceIdRatioBased(0.1))}. Shapes: {@code names}, the rules differ by span-name glob
 * and the last one tests name and kind; {@code attribute}, the same but the last rule also tests
 * {@code http.request.method}; {@code attribute-read}, the same but with default ratio 1 instead of
 * 0, so no trace id lets the decision skip reading the attribute (with default 0, the 90% of traces
 * the rule's ratio 0.1 drops are dropped by every possible outcome, see {@code SpanRuleIndex});
 * {@code mixed}, like {@code attribute} but every other rule before the last instead tests a {@code
 * url.path} glob (which the span name cannot rule out). The span carries four start attributes in
 * the {@link Attributes} the OpenTelemetry SDK's span builder hands every sampler (captured from a
 * real span start, see {@link SdkStartAttributes}). Trace ids cycle through 4096 random ones. The
 * span name is a string constant, or a new equal string per decision ({@link #name}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@State(Scope.Thread)
public class SamplerBenchmark {

  private static final double RATIO = 0.1;

  @Param({"1", "10", "100"})
  public int rules;

  @Param({"names", "attribute", "attribute-read", "mixed"})
  public String shape;

  /**
   * How the span name is made: {@code constant}, one string literal (its hash cached, and the very
   * key Sluice's name index stored, so its lookup can succeed on identity); {@code per-call}, a new
   * equal String for every decision, as instrumentation builds a server span's name from each
   * request's method and route. Both methods build it and let it escape, so the ratio shows only
   * what Sluice's lookup costs more with a fresh string (the baseline does not read the name).
   */
  @Param({"constant", "per-call"})
  public String name;

  private CallString spanName;

  private Sampler baseline;
  private Sampler sluice;
  private String[] traceIds;
  private int next;
  private final Attributes attributes =
      SdkStartAttributes.of(
          Attributes.of(
              AttributeKey.stringKey("http.request.method"), "GET",
              AttributeKey.stringKey("url.path"), "/api/users/42",
              AttributeKey.stringKey("server.address"), "orders.internal",
              AttributeKey.longKey("server.port"), 8080L));

  @Setup
  public void setUp() {
    spanName = CallString.of("name", name, "GET /api/users/42");
    baseline = Sampler.parentBased(Sampler.traceIdRatioBased(RATIO));
    List<SamplingRule> list = new ArrayList<>();
    for (int i = 0; i < rules - 1; i++) {
      SpanMatch match =
          i % 2 == 0 || !shape.equals("mixed")
              ? new SpanMatch("GET /other-" + i + "/**", null, Map.of())
              : new SpanMatch(
                  null, io.sluice.rules.SpanKind.SERVER, Map.of("url.path", "/other-" + i + "/**"));
      list.add(new SamplingRule("rule-" + i, match, 1.0, null));
    }
    list.add(
        new SamplingRule(
            "api",
            new SpanMatch(
                "GET /api/**",
                io.sluice.rules.SpanKind.SERVER,
                shape.equals("names") ? Map.of() : Map.of("http.request.method", "GET")),
            RATIO,
            null));
    double defaultRatio = shape.equals("attribute-read") ? 1.0 : 0.0;
    RuleDocument doc =
        new RuleDocument(1, "bench", new SamplingPolicy(defaultRatio, true, list), List.of());
    sluice =
        RuleSampler.create(
            new ActiveRulesHolder(
                new ActiveRules(CompiledRules.compile(doc), 1, ActiveRules.Source.ETCD)));
    SplittableRandom random = new SplittableRandom(42);
    traceIds = new String[4096];
    for (int i = 0; i < traceIds.length; i++) {
      traceIds[i] = TraceId.fromLongs(random.nextLong(), random.nextLong());
    }
  }

  private String traceId() {
    return traceIds[next++ & (traceIds.length - 1)];
  }

  @Benchmark
  public SamplingResult baseline(Blackhole blackhole) {
    return baseline.shouldSample(
        Context.root(),
        traceId(),
        spanName.next(blackhole),
        SpanKind.SERVER,
        attributes,
        List.of());
  }

  @Benchmark
  public SamplingResult sluice(Blackhole blackhole) {
    return sluice.shouldSample(
        Context.root(),
        traceId(),
        spanName.next(blackhole),
        SpanKind.SERVER,
        attributes,
        List.of());
  }
}
