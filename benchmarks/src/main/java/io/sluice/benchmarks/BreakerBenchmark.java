package io.sluice.benchmarks;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.sluice.rules.BreakerPolicy;
import io.sluice.rules.BreakerScope;
import io.sluice.rules.CallMatch;
import io.sluice.rules.CompiledRules;
import io.sluice.rules.OnOpenAction;
import io.sluice.rules.RuleDocument;
import io.sluice.rules.SamplingPolicy;
import io.sluice.rules.SlidingWindow;
import io.sluice.rules.SlidingWindowType;
import io.sluice.rules.StatusCodeRange;
import io.sluice.sdk.ActiveRules;
import io.sluice.sdk.ActiveRulesHolder;
import io.sluice.sdk.breaker.BreakerRegistry;
import io.sluice.sdk.breaker.GuardedCall;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * A successful call through a closed breaker: Sluice's {@link BreakerRegistry} (policy lookup among
 * 1 or 10 policies for the call's host and port, differing by path ({@link #paths}), with the match
 * last; target lookup, permission, outcome, target statistics; metrics off, or to the SDK with a
 * reader) beside a plain Resilience4j {@code CircuitBreaker.decorateSupplier} with the same
 * settings, the baseline the SDK's target is stated against, and beside plain Resilience4j as an
 * app keeps one breaker per target without Sluice: its {@code CircuitBreakerRegistry} by {@code
 * host:port} name (no policy match, no bound on the number of breakers, no statistics). The host
 * reaches the registry as one string constant, or as a new equal string on every call, as an HTTP
 * client hands over the host it parsed from each request (see {@link #host}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@State(Scope.Thread)
public class BreakerBenchmark {

  @Param({"1", "10"})
  public int policies;

  /**
   * Where Sluice's breaker metrics go: {@code noop} (metrics off) or {@code sdk}, OpenTelemetry's
   * SDK meter provider with a reader, as in an app under the agent.
   */
  @Param({"noop", "sdk"})
  public String meters;

  /**
   * How the call's host name is made: {@code constant}, one string literal (its hash cached, and
   * the very key the registry stored, so lookups can succeed on identity); {@code per-call}, a new
   * String equal to it on every call (hash not yet computed, a different object), as a real client
   * parses it from each request. Both methods build it and let it escape, so the ratio shows only
   * what the registry's lookup costs more with a fresh string.
   */
  @Param({"constant", "per-call"})
  public String host;

  /**
   * How the other policies' path globs relate to the call's path {@code /pay/42}: {@code distinct},
   * {@code /other-N/**}, whose literal prefixes the call's path does not start with (Sluice rules
   * them out at once, see {@code PathPrefixTree}); {@code shared}, {@code /pay/*}{@code /other-N},
   * whose literal prefix {@code /pay/} it does, so each is checked in full before the last matches
   * (the worst case of a policy match).
   */
  @Param({"distinct", "shared"})
  public String paths;

  private CallString callHost;

  private SdkMeterProvider sdkMeters;

  private static final int PORT = 8080;

  /** 200 boxed once: boxed per call (outside Integer's cache) it was the baseline's own garbage. */
  private static final Integer OK_STATUS = 200;

  private static final Supplier<Integer> OK = () -> OK_STATUS;

  private Supplier<Integer> plain;
  private CircuitBreakerRegistry plainByTarget;
  private BreakerRegistry registry;

  @Setup
  public void setUp() {
    callHost = CallString.of("host", host, "payments.internal");
    CircuitBreakerConfig config =
        CircuitBreakerConfig.custom()
            .failureRateThreshold(50)
            .slowCallRateThreshold(100)
            .slowCallDurationThreshold(Duration.ofSeconds(2))
            .slidingWindow(20, 10, CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
            .waitDurationInOpenState(Duration.ofSeconds(10))
            .permittedNumberOfCallsInHalfOpenState(3)
            .automaticTransitionFromOpenToHalfOpenEnabled(true)
            .build();
    CircuitBreaker breaker = CircuitBreaker.of("plain", config);
    plain = CircuitBreaker.decorateSupplier(breaker, OK);
    plainByTarget = CircuitBreakerRegistry.of(config);

    List<BreakerPolicy> list = new ArrayList<>();
    // the same host and port as the call, so they stay candidates for its target; with distinct
    // paths their globs' literal prefixes rule them out, with shared ones each is checked in turn
    for (int i = 0; i < policies - 1; i++) {
      String glob = paths.equals("shared") ? "/pay/*/other-" + i : "/other-" + i + "/**";
      list.add(policy("other-" + i, new CallMatch("payments*", PORT, "POST", glob)));
    }
    list.add(policy("payments", new CallMatch("payments*", PORT, "POST", "/pay/**")));
    RuleDocument doc = new RuleDocument(1, "bench", SamplingPolicy.DEFAULT, list);
    registry =
        BreakerRegistry.builder(
                new ActiveRulesHolder(
                    new ActiveRules(CompiledRules.compile(doc), 1, ActiveRules.Source.ETCD)))
            .meterProvider(meterProvider())
            .build();
  }

  private MeterProvider meterProvider() {
    if (meters.equals("noop")) {
      return MeterProvider.noop();
    }
    sdkMeters =
        SdkMeterProvider.builder().registerMetricReader(new DiscardingMetricReader()).build();
    return sdkMeters;
  }

  private static BreakerPolicy policy(String name, CallMatch match) {
    return new BreakerPolicy(
        name,
        match,
        BreakerScope.TARGET,
        50,
        100,
        Duration.ofSeconds(2),
        new SlidingWindow(SlidingWindowType.COUNT, 20),
        10,
        Duration.ofSeconds(10),
        3,
        List.of(new StatusCodeRange(500, 599)),
        OnOpenAction.ERROR,
        false);
  }

  @TearDown
  public void tearDown() {
    registry.close();
    if (sdkMeters != null) {
      sdkMeters.close();
    }
  }

  @Benchmark
  public int plainResilience4j(Blackhole blackhole) {
    callHost.next(blackhole);
    return plain.get();
  }

  /**
   * Plain Resilience4j keeping a breaker per target by name, as an app does without Sluice: the
   * name built from the call's host and port, looked up in the registry, the call decorated.
   */
  @Benchmark
  public int plainResilience4jByTarget(Blackhole blackhole) {
    String target = callHost.next(blackhole) + ":" + PORT;
    return plainByTarget.circuitBreaker(target).executeSupplier(OK);
  }

  @Benchmark
  public int sluice(Blackhole blackhole) {
    GuardedCall call = registry.start(callHost.next(blackhole), PORT, "POST", "/pay/42");
    if (!call.permitted()) {
      return 503;
    }
    int status = 200;
    call.onResponse(status);
    return status;
  }
}
