package io.sluice.sdk.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceId;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.sdk.testing.time.TestClock;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingDecision;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;
import io.sluice.rules.CompiledRules;
import io.sluice.rules.RuleDocument;
import io.sluice.rules.SamplingPolicy;
import io.sluice.rules.SamplingRule;
import io.sluice.rules.SpanMatch;
import io.sluice.sdk.ActiveRules;
import io.sluice.sdk.ActiveRulesHolder;
import io.sluice.sdk.HeldListener;
import io.sluice.sdk.propagation.SluicePropagators;
import io.sluice.testing.logging.BrokenLogHandler;
import io.sluice.testing.logging.LogCapture;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class RuleSamplerTest {

  private final TestClock clock = TestClock.create();
  private final Random random = new Random(42);

  static ActiveRules rules(long revision, SamplingPolicy policy) {
    return new ActiveRules(
        CompiledRules.compile(new RuleDocument(1, "orders", policy, List.of())),
        revision,
        ActiveRules.Source.ETCD);
  }

  static SamplingRule rule(String name, SpanMatch match, double ratio, Integer maxPerSecond) {
    return new SamplingRule(name, match, ratio, maxPerSecond);
  }

  private String traceId() {
    return TraceId.fromLongs(random.nextLong(), random.nextLong());
  }

  private SamplingResult sample(Sampler sampler, String name) {
    return sampler.shouldSample(
        Context.root(), traceId(), name, SpanKind.SERVER, Attributes.empty(), List.of());
  }

  @Test
  void ratioIsAccurateOverManyTraceIds() {
    Sampler sampler = sampler(1, 0.0, true, rule("quarter", SpanMatch.ANY, 0.25, null));
    int n = 100_000;
    int kept = 0;
    for (int i = 0; i < n; i++) {
      if (sample(sampler, "GET /x").getDecision() == SamplingDecision.RECORD_AND_SAMPLE) {
        kept++;
      }
    }
    double sd = Math.sqrt(n * 0.25 * 0.75); // ~137
    System.out.printf("kept %d of %d (expected %d, 5 sd = %.0f)%n", kept, n, n / 4, 5 * sd);
    assertThat((double) kept).isCloseTo(n * 0.25, org.assertj.core.data.Offset.offset(5 * sd));
  }

  @Test
  void ratioDecisionEqualsTraceIdRatioBasedForTheSameTraceIds() {
    ActiveRulesHolder holder =
        new ActiveRulesHolder(rules(1, new SamplingPolicy(0.1, true, List.of())));
    Sampler ours = RuleSampler.create(holder, clock);
    Sampler theirs = Sampler.traceIdRatioBased(0.1);
    for (int i = 0; i < 20_000; i++) {
      String id = traceId();
      assertThat(
              ours.shouldSample(
                      Context.root(), id, "s", SpanKind.INTERNAL, Attributes.empty(), List.of())
                  .getDecision())
          .as(id)
          .isEqualTo(
              theirs
                  .shouldSample(
                      Context.root(), id, "s", SpanKind.INTERNAL, Attributes.empty(), List.of())
                  .getDecision());
    }
  }

  @Test
  void rateCapHoldsPerSecondWithFakeClock() {
    Sampler sampler = sampler(1, 0.0, true, rule("capped", SpanMatch.ANY, 1.0, 100));
    int burst = 0;
    for (int i = 0; i < 1000; i++) {
      if (sample(sampler, "a").getDecision() == SamplingDecision.RECORD_AND_SAMPLE) {
        burst++;
      }
    }
    assertThat(burst).isEqualTo(100);

    // 10 more seconds, one span per millisecond: at most 100 per second kept, and the cap refills
    int kept = 0;
    for (int ms = 0; ms < 10_000; ms++) {
      clock.advance(Duration.ofMillis(1));
      if (sample(sampler, "a").getDecision() == SamplingDecision.RECORD_AND_SAMPLE) {
        kept++;
      }
    }
    assertThat(kept).isBetween(990, 1000);
  }

  private static SamplingResultAssertHelper helper() {
    return new SamplingResultAssertHelper();
  }

  static Stream<Arguments> parents() {
    return Stream.of(
        Arguments.of("remote sampled parent", true, true),
        Arguments.of("remote unsampled parent", true, false),
        Arguments.of("local sampled parent", false, true),
        Arguments.of("local unsampled parent", false, false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("parents")
  void followsParentsSampledFlagWhenRespectingParent(String name, boolean remote, boolean sampled) {
    // rules that would decide the opposite of the parent
    double ratio = sampled ? 0.0 : 1.0;
    Sampler sampler = sampler(3, ratio, true, rule("all", SpanMatch.ANY, ratio, null));
    Context parent = helper().parent(remote, sampled, traceId());
    SamplingResult result =
        sampler.shouldSample(
            parent, traceId(), "child", SpanKind.CLIENT, Attributes.empty(), List.of());
    assertThat(result.getDecision())
        .isEqualTo(sampled ? SamplingDecision.RECORD_AND_SAMPLE : SamplingDecision.DROP);
    if (sampled) {
      assertThat(result.getAttributes().get(SamplingAttributes.RULE_KEY)).isEqualTo("parent");
      assertThat(result.getAttributes().get(SamplingAttributes.REVISION_KEY)).isEqualTo(3L);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("parents")
  void rulesDecideWhenNotRespectingParent(String name, boolean remote, boolean sampled) {
    double ratio = sampled ? 0.0 : 1.0;
    Sampler sampler = sampler(3, ratio, false);
    Context parent = helper().parent(remote, sampled, traceId());
    SamplingResult result =
        sampler.shouldSample(
            parent, traceId(), "child", SpanKind.CLIENT, Attributes.empty(), List.of());
    assertThat(result.getDecision())
        .isEqualTo(sampled ? SamplingDecision.DROP : SamplingDecision.RECORD_AND_SAMPLE);
  }

  /**
   * B3's bare "deny" ({@code b3: 0}, no ids) gives a span no parent: the sampler drops it, as it
   * drops the child of an unsampled remote parent, when the rules respect the parent's decision,
   * and leaves it to the rules when they do not. A valid parent put into that context decides.
   */
  @ParameterizedTest(name = "respectParentDecision: {0}")
  @ValueSource(booleans = {true, false})
  void aBareB3DenyDropsASpanWithoutParentWhenRespectingParent(boolean respect) {
    Sampler sampler = sampler(1, 1.0, respect, rule("all", SpanMatch.ANY, 1.0, null));
    Context denied = bareB3Deny();
    assertThat(
            sampler
                .shouldSample(
                    denied, traceId(), "GET /x", SpanKind.SERVER, Attributes.empty(), List.of())
                .getDecision())
        .isEqualTo(respect ? SamplingDecision.DROP : SamplingDecision.RECORD_AND_SAMPLE);
    assertThat(sample(sampler, "GET /x").getDecision())
        .as("a root span of another request")
        .isEqualTo(SamplingDecision.RECORD_AND_SAMPLE);
    String trace = traceId();
    Context sampledParent =
        denied.with(
            Span.wrap(
                SpanContext.create(
                    trace, "0102030405060708", TraceFlags.getSampled(), TraceState.getDefault())));
    SamplingResult child =
        sampler.shouldSample(
            sampledParent, trace, "child", SpanKind.CLIENT, Attributes.empty(), List.of());
    assertThat(child.getDecision()).isEqualTo(SamplingDecision.RECORD_AND_SAMPLE);
  }

  /**
   * A span without a valid parent costs one more context lookup (for a bare B3 deny) and allocates
   * nothing, marked or not. Counted with the JVM's per-thread allocation counter, not timed.
   */
  @Test
  void decisionsWithoutParentAllocateNothingWithOrWithoutABareB3Deny() {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    assertThat(threads.isThreadAllocatedMemorySupported()).isTrue();
    threads.setThreadAllocatedMemoryEnabled(true);
    long thread = Thread.currentThread().getId();
    Sampler sampler =
        sampler(1, 0.5, true, rule("api", new SpanMatch("GET /api/**", null, Map.of()), 0.5, null));
    Context[] parents = {Context.root(), bareB3Deny()};
    String[] traces = new String[64];
    for (int i = 0; i < traces.length; i++) {
      traces[i] = traceId();
    }
    int kept = 0;
    for (int i = 0; i < 50_000; i++) { // warm-up
      kept += keeps(sampler, parents[i & 1], traces[i & 63]) ? 1 : 0;
    }
    long fewest = Long.MAX_VALUE;
    for (int round = 0; round < 5; round++) {
      long baseline = threads.getThreadAllocatedBytes(thread);
      long cost = threads.getThreadAllocatedBytes(thread) - baseline;
      long before = threads.getThreadAllocatedBytes(thread);
      for (int i = 0; i < 10_000; i++) {
        kept += keeps(sampler, parents[i & 1], traces[i & 63]) ? 1 : 0;
      }
      fewest = Math.min(fewest, threads.getThreadAllocatedBytes(thread) - before - cost);
    }
    assertThat(kept).as("only spans without the mark are kept").isBetween(1, 50_000);
    assertThat(fewest).as("bytes allocated by 10 000 decisions, fewest of 5 rounds").isLessThan(64);
  }

  private static boolean keeps(Sampler sampler, Context parent, String traceId) {
    return sampler
            .shouldSample(
                parent, traceId, "GET /api/users", SpanKind.SERVER, Attributes.empty(), List.of())
            .getDecision()
        == SamplingDecision.RECORD_AND_SAMPLE;
  }

  /**
   * The context Sluice's propagators extract from a request whose only B3 header is {@code b3: 0}.
   */
  private static Context bareB3Deny() {
    Context denied =
        SluicePropagators.create()
            .getTextMapPropagator()
            .extract(
                Context.root(),
                Map.of("b3", "0"),
                new TextMapGetter<Map<String, String>>() {
                  @Override
                  public Iterable<String> keys(Map<String, String> carrier) {
                    return carrier.keySet();
                  }

                  @Override
                  public String get(Map<String, String> carrier, String key) {
                    return carrier.get(key);
                  }
                });
    assertThat(Span.fromContext(denied).getSpanContext().isValid()).isFalse();
    return denied;
  }

  @Test
  void firstMatchingRuleDecidesInOrder() {
    Sampler sampler =
        sampler(
            7,
            1.0,
            true,
            rule("drop-health", new SpanMatch("GET /health*", null, Map.of()), 0.0, null),
            rule(
                "checkout",
                new SpanMatch(
                    null, io.sluice.rules.SpanKind.SERVER, Map.of("url.path", "/checkout/**")),
                1.0,
                null),
            rule("everything", SpanMatch.ANY, 1.0, null));

    assertThat(sample(sampler, "GET /healthz").getDecision() == SamplingDecision.RECORD_AND_SAMPLE)
        .isFalse();
    SamplingResult checkout =
        sampler.shouldSample(
            Context.root(),
            traceId(),
            "GET /health",
            SpanKind.SERVER,
            Attributes.of(AttributeKey.stringKey("url.path"), "/checkout/a/b"),
            List.of());
    assertThat(checkout.getDecision() == SamplingDecision.RECORD_AND_SAMPLE)
        .as("the earlier drop-health rule wins")
        .isFalse();
    SamplingResult other =
        sampler.shouldSample(
            Context.root(),
            traceId(),
            "POST /pay",
            SpanKind.SERVER,
            Attributes.of(AttributeKey.stringKey("url.path"), "/checkout/a/b"),
            List.of());
    assertThat(other.getAttributes().get(SamplingAttributes.RULE_KEY)).isEqualTo("checkout");
    SamplingResult client =
        sampler.shouldSample(
            Context.root(),
            traceId(),
            "POST /pay",
            SpanKind.CLIENT,
            Attributes.of(AttributeKey.stringKey("url.path"), "/checkout/a/b"),
            List.of());
    assertThat(client.getAttributes().get(SamplingAttributes.RULE_KEY)).isEqualTo("everything");
  }

  @Test
  void matchesLongAndBooleanAttributesByTheirText() {
    Sampler sampler =
        sampler(
            1,
            0.0,
            true,
            rule(
                "port",
                new SpanMatch(null, null, Map.of("server.port", "80*", "internal", "true")),
                1.0,
                null));
    Attributes match =
        Attributes.of(
            AttributeKey.longKey("server.port"), 8080L, AttributeKey.booleanKey("internal"), true);
    Attributes noMatch =
        Attributes.of(
            AttributeKey.longKey("server.port"), 9090L, AttributeKey.booleanKey("internal"), true);
    assertThat(
            sampler
                    .shouldSample(Context.root(), traceId(), "x", SpanKind.SERVER, match, List.of())
                    .getDecision()
                == SamplingDecision.RECORD_AND_SAMPLE)
        .isTrue();
    assertThat(
            sampler
                    .shouldSample(
                        Context.root(), traceId(), "x", SpanKind.SERVER, noMatch, List.of())
                    .getDecision()
                == SamplingDecision.RECORD_AND_SAMPLE)
        .isFalse();
  }

  @Test
  void keptSpansCarryRuleRevisionAndProbability() {
    Sampler sampler =
        sampler(
            42, 1.0, true, rule("api", new SpanMatch("GET /api/**", null, Map.of()), 1.0, null));
    SamplingResult api = sample(sampler, "GET /api/users");
    assertThat(api.getAttributes().get(SamplingAttributes.RULE_KEY)).isEqualTo("api");
    assertThat(api.getAttributes().get(SamplingAttributes.REVISION_KEY)).isEqualTo(42L);
    assertThat(api.getAttributes().get(SamplingAttributes.PROBABILITY_KEY)).isEqualTo(1.0);
    SamplingResult other = sample(sampler, "GET /other");
    assertThat(other.getAttributes().get(SamplingAttributes.RULE_KEY)).isEqualTo("default");
    assertThat(sample(sampler, "GET /api/x"))
        .as("steady state returns the cached result")
        .isSameAs(api);
  }

  @Test
  void publishedSnapshotChangesDecisionsAndDescription() {
    ActiveRulesHolder holder =
        new ActiveRulesHolder(rules(1, new SamplingPolicy(0.0, true, List.of())));
    Sampler sampler = RuleSampler.create(holder, clock);
    assertThat(sampler.getDescription()).contains("revision=1");
    for (int i = 0; i < 100; i++) {
      assertThat(sample(sampler, "x").getDecision() == SamplingDecision.RECORD_AND_SAMPLE)
          .isFalse();
    }
    holder.publish(rules(2, new SamplingPolicy(1.0, true, List.of())));
    for (int i = 0; i < 100; i++) {
      assertThat(sample(sampler, "x").getDecision() == SamplingDecision.RECORD_AND_SAMPLE).isTrue();
    }
    assertThat(sampler.getDescription()).contains("revision=2");
  }

  @Test
  void samplerTheAppDroppedIsCollectedWhileItsHolderLives() {
    ActiveRulesHolder holder =
        new ActiveRulesHolder(rules(1, new SamplingPolicy(0.0, true, List.of())));
    WeakReference<Sampler> dropped = new WeakReference<>(RuleSampler.create(holder, clock));
    Sampler live = RuleSampler.create(holder, clock);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              System.gc();
              return dropped.get() == null;
            });
    holder.publish(rules(2, new SamplingPolicy(1.0, true, List.of())));
    holder.publish(rules(3, new SamplingPolicy(1.0, true, List.of())));
    assertThat(sample(live, "x").getDecision()).isEqualTo(SamplingDecision.RECORD_AND_SAMPLE);
    assertThat(live.getDescription()).contains("revision=3");
  }

  /**
   * Under a cap that drops spans, each kept span stands for 1/probability spans: summed over the
   * kept spans, that must give back the spans the service had (here 2000 a second, a ratio of 0.5
   * and a cap of 100 a second), not the 1000 a second the ratio alone would claim.
   */
  @Test
  void keptSpansUnderACapCarryAProbabilityThatExtrapolatesToTheTrueCount() {
    Sampler sampler = sampler(1, 0.0, true, rule("capped", SpanMatch.ANY, 0.5, 100));
    for (int i = 0; i < 2000; i++) { // the first second: the cap's share is not known yet
      clock.advance(Duration.ofNanos(500_000));
      SamplingResult result = sample(sampler, "GET /x");
      if (result.getDecision() == SamplingDecision.RECORD_AND_SAMPLE) {
        assertThat(result.getAttributes().get(SamplingAttributes.PROBABILITY_KEY)).isEqualTo(0.5);
      }
    }
    int seconds = 5;
    double extrapolated = 0;
    int kept = 0;
    for (int i = 0; i < 2000 * seconds; i++) {
      clock.advance(Duration.ofNanos(500_000));
      SamplingResult result = sample(sampler, "GET /x");
      if (result.getDecision() == SamplingDecision.RECORD_AND_SAMPLE) {
        kept++;
        extrapolated += 1 / result.getAttributes().get(SamplingAttributes.PROBABILITY_KEY);
      }
    }
    assertThat(kept).isBetween(99 * seconds, 101 * seconds);
    assertThat(extrapolated)
        .isCloseTo(2000.0 * seconds, org.assertj.core.data.Percentage.withPercentage(5));

    // the cap no longer drops anything once the traffic falls under it: the plain ratio again
    for (int i = 0; i < 200; i++) {
      clock.advance(Duration.ofMillis(10));
      sample(sampler, "GET /x");
    }
    SamplingResult result;
    do {
      clock.advance(Duration.ofMillis(10));
      result = sample(sampler, "GET /x");
    } while (result.getDecision() != SamplingDecision.RECORD_AND_SAMPLE);
    assertThat(result.getAttributes().get(SamplingAttributes.PROBABILITY_KEY)).isEqualTo(0.5);
  }

  /** A share seen again gives the very result built for it: one result per change, not per span. */
  @Test
  void aCappedShareBuildsItsResultOnce() {
    Sampler sampler = sampler(1, 0.0, true, rule("capped", SpanMatch.ANY, 1.0, 10));
    for (int i = 0; i < 100; i++) {
      sample(sampler, "a");
    }
    clock.advance(Duration.ofSeconds(1));
    SamplingResult first = sample(sampler, "a");
    SamplingResult second = sample(sampler, "a");
    assertThat(first.getDecision()).isEqualTo(SamplingDecision.RECORD_AND_SAMPLE);
    assertThat(first.getAttributes().get(SamplingAttributes.PROBABILITY_KEY)).isEqualTo(0.1);
    assertThat(second).isSameAs(first);
  }

  @Test
  void unchangedCappedRuleKeepsItsBucketAcrossSnapshots() {
    SamplingRule capped = rule("capped", SpanMatch.ANY, 1.0, 10);
    ActiveRulesHolder holder =
        new ActiveRulesHolder(rules(1, new SamplingPolicy(0.0, true, List.of(capped))));
    Sampler sampler = RuleSampler.create(holder, clock);
    for (int i = 0; i < 10; i++) {
      assertThat(sample(sampler, "x").getDecision() == SamplingDecision.RECORD_AND_SAMPLE).isTrue();
    }
    holder.publish(rules(2, new SamplingPolicy(0.5, true, List.of(capped))));
    assertThat(sample(sampler, "x").getDecision() == SamplingDecision.RECORD_AND_SAMPLE)
        .as("the bucket stayed empty")
        .isFalse();
  }

  /**
   * A capped rule whose cap is raised goes on from the tokens its bucket had left: the spent bucket
   * stays spent, and refills at the new rate. Before, the new cap began with a full bucket.
   */
  @Test
  void aCappedRuleWhoseCapChangesGoesOnFromItsTokensLeft() {
    ActiveRulesHolder holder =
        new ActiveRulesHolder(
            rules(
                1, new SamplingPolicy(0.0, true, List.of(rule("capped", SpanMatch.ANY, 1.0, 10)))));
    Sampler sampler = RuleSampler.create(holder, clock);
    for (int i = 0; i < 10; i++) {
      assertThat(sample(sampler, "x").getDecision()).isEqualTo(SamplingDecision.RECORD_AND_SAMPLE);
    }
    holder.publish(
        rules(2, new SamplingPolicy(0.0, true, List.of(rule("capped", SpanMatch.ANY, 1.0, 100)))));
    assertThat(sample(sampler, "x").getDecision())
        .as("the bucket stayed empty")
        .isEqualTo(SamplingDecision.DROP);

    clock.advance(Duration.ofMillis(50)); // 5 tokens at the new rate, half of one at the old
    int kept = 0;
    for (int i = 0; i < 20; i++) {
      if (sample(sampler, "x").getDecision() == SamplingDecision.RECORD_AND_SAMPLE) {
        kept++;
      }
    }
    assertThat(kept).isEqualTo(5);
  }

  /** A capped rule whose cap is lowered holds no more than the new cap, however full it was. */
  @Test
  void aCappedRuleWhoseCapIsLoweredHoldsNoMoreThanTheNewCap() {
    ActiveRulesHolder holder =
        new ActiveRulesHolder(
            rules(
                1,
                new SamplingPolicy(0.0, true, List.of(rule("capped", SpanMatch.ANY, 1.0, 100)))));
    Sampler sampler = RuleSampler.create(holder, clock);
    assertThat(sample(sampler, "x").getDecision()).isEqualTo(SamplingDecision.RECORD_AND_SAMPLE);
    holder.publish(
        rules(2, new SamplingPolicy(0.0, true, List.of(rule("capped", SpanMatch.ANY, 1.0, 3)))));
    int kept = 0;
    for (int i = 0; i < 20; i++) {
      if (sample(sampler, "x").getDecision() == SamplingDecision.RECORD_AND_SAMPLE) {
        kept++;
      }
    }
    assertThat(kept).isEqualTo(3);
  }

  /** Builds parent contexts. */
  static final class SamplingResultAssertHelper {
    Context parent(boolean remote, boolean sampled, String traceId) {
      TraceFlags flags = sampled ? TraceFlags.getSampled() : TraceFlags.getDefault();
      SpanContext sc =
          remote
              ? SpanContext.createFromRemoteParent(
                  traceId, "0102030405060708", flags, TraceState.getDefault())
              : SpanContext.create(traceId, "0102030405060708", flags, TraceState.getDefault());
      return Context.root().with(Span.wrap(sc));
    }
  }

  /**
   * OpenTelemetry's tracestate probability sampling: a sampling stage whose output has a sampling
   * probability the {@code th} does not describe must erase {@code th} (rv stays as it is). A rule
   * or default decision here is made from the trace id, not from {@code th}/{@code rv}, so the
   * parent's {@code th:0} ("kept with probability 1") must not travel on a span kept at 0.5.
   */
  @ParameterizedTest(name = "remote parent: {0}")
  @org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
  void anOwnDecisionErasesTheParentsThreshold(boolean remote) {
    Sampler sampler = sampler(1, 0.5, false, rule("half", SpanMatch.ANY, 0.5, null));
    TraceState parentState =
        TraceState.builder().put("ot", "th:0;rv:abcdef01234567").put("vendor", "x").build();
    String trace = TraceId.fromLongs(7, 1); // lower 64 bits 1: kept at 0.5
    SpanContext sc =
        remote
            ? SpanContext.createFromRemoteParent(
                trace, "0102030405060708", TraceFlags.getSampled(), parentState)
            : SpanContext.create(trace, "0102030405060708", TraceFlags.getSampled(), parentState);
    SamplingResult result =
        sampler.shouldSample(
            Context.root().with(Span.wrap(sc)),
            trace,
            "x",
            SpanKind.SERVER,
            Attributes.empty(),
            List.of());
    assertThat(result.getDecision()).isEqualTo(SamplingDecision.RECORD_AND_SAMPLE);
    TraceState out = result.getUpdatedTraceState(parentState);
    assertThat(out.get("ot")).as("ot entry of %s", out).doesNotContain("th:");
    assertThat(out.get("ot")).contains("rv:abcdef01234567");
    assertThat(out.get("vendor")).isEqualTo("x");
  }

  @Test
  void ownDecisionsEraseOnlyTheThreshold() {
    TraceState none = TraceState.builder().put("vendor", "x").build();
    assertThat(OwnDecision.DROP.getUpdatedTraceState(none)).isSameAs(none);
    TraceState noTh = TraceState.builder().put("ot", "rv:abcdef01234567;foo:bar").build();
    assertThat(OwnDecision.DROP.getUpdatedTraceState(noTh)).isSameAs(noTh);
    TraceState onlyTh = TraceState.builder().put("ot", "th:c").put("vendor", "x").build();
    assertThat(OwnDecision.DROP.getUpdatedTraceState(onlyTh).asMap())
        .isEqualTo(Map.of("vendor", "x"));
    TraceState middle = TraceState.builder().put("ot", "foo:bar;th:8;rv:01").build();
    assertThat(OwnDecision.DROP.getUpdatedTraceState(middle).get("ot")).isEqualTo("foo:bar;rv:01");
    TraceState thLike = TraceState.builder().put("ot", "rv:01;xth:8").build();
    assertThat(OwnDecision.DROP.getUpdatedTraceState(thLike)).isSameAs(thLike);
    // a space before the separator (outside ot's grammar, inside W3C's value): the rest is kept
    // without it, which W3C's value may not end with (OpenTelemetry ignored the put: rv was lost)
    TraceState spaced = TraceState.builder().put("ot", "rv:abcdefabcdefab ;th:8").build();
    assertThat(OwnDecision.DROP.getUpdatedTraceState(spaced).get("ot"))
        .isEqualTo("rv:abcdefabcdefab");
    TraceState spacedAfter = TraceState.builder().put("ot", "rv:abcdefabcdefab; th:8").build();
    assertThat(OwnDecision.DROP.getUpdatedTraceState(spacedAfter).get("ot"))
        .isEqualTo("rv:abcdefabcdefab");
  }

  /**
   * A parent's {@code ot} entry without a threshold (a randomness value only, {@code rv}) is common
   * beside consistent-probability samplers; passing it on allocates nothing. Counted with the JVM's
   * per-thread allocation counter, not timed.
   */
  @Test
  void anOtEntryWithoutThresholdIsPassedOnWithoutAllocating() {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    assertThat(threads.isThreadAllocatedMemorySupported()).isTrue();
    threads.setThreadAllocatedMemoryEnabled(true);
    long thread = Thread.currentThread().getId();
    TraceState parent = TraceState.builder().put("ot", "rv:abcdef01234567").put("v", "x").build();
    int same = 0;
    for (int i = 0; i < 50_000; i++) { // warm-up
      same += OwnDecision.DROP.getUpdatedTraceState(parent) == parent ? 1 : 0;
    }
    long fewest = Long.MAX_VALUE;
    for (int round = 0; round < 5; round++) {
      long baseline = threads.getThreadAllocatedBytes(thread);
      long cost = threads.getThreadAllocatedBytes(thread) - baseline;
      long before = threads.getThreadAllocatedBytes(thread);
      for (int i = 0; i < 10_000; i++) {
        same += OwnDecision.DROP.getUpdatedTraceState(parent) == parent ? 1 : 0;
      }
      fewest = Math.min(fewest, threads.getThreadAllocatedBytes(thread) - before - cost);
    }
    assertThat(same).isEqualTo(100_000);
    assertThat(fewest).as("bytes allocated by 10 000 decisions, fewest of 5 rounds").isLessThan(64);
  }

  /** W3C: a vendor that modifies its entry moves it to the front (the leftmost position). */
  @Test
  void theModifiedOtEntryMovesToTheFront() {
    // the builder puts each new key in front: "a=1,ot=th:8;rv:01,z=2" as a header
    TraceState parent =
        TraceState.builder().put("z", "2").put("ot", "th:8;rv:01").put("a", "1").build();
    assertThat(keys(parent)).containsExactly("a", "ot", "z");
    TraceState out = OwnDecision.DROP.getUpdatedTraceState(parent);
    assertThat(keys(out)).containsExactly("ot", "a", "z");
    assertThat(out.get("ot")).isEqualTo("rv:01");
  }

  private static List<String> keys(TraceState state) {
    List<String> keys = new java.util.ArrayList<>();
    state.forEach((key, value) -> keys.add(key));
    return keys;
  }

  /**
   * A tracestate may hold 32 entries (W3C's limit, which OpenTelemetry enforces). There, putting
   * the {@code ot} entry back without {@code th} is a 33rd entry to OpenTelemetry's builder, which
   * ignores it: the parent's threshold stayed. It is erased at the limit as below it, the other
   * entries and sub-keys kept.
   */
  @Test
  void theThresholdIsErasedFromAFullTraceState() {
    io.opentelemetry.api.trace.TraceStateBuilder builder = TraceState.builder();
    builder.put("ot", "th:8;rv:abcdef01234567");
    for (int i = 0; i < 31; i++) {
      builder.put("v" + i, "x" + i);
    }
    TraceState full = builder.build();
    assertThat(full.size()).isEqualTo(32);
    TraceState out = OwnDecision.DROP.getUpdatedTraceState(full);
    assertThat(out.get("ot")).isEqualTo("rv:abcdef01234567");
    assertThat(out.size()).isEqualTo(32);
    for (int i = 0; i < 31; i++) {
      assertThat(out.get("v" + i)).isEqualTo("x" + i);
    }
  }

  /**
   * A list-valued attribute (OpenTelemetry's array attributes, such as the captured request headers
   * {@code http.request.header.*}) has no text to match: no rule on it holds, not even {@code **},
   * as the rule language's documentation says.
   */
  @Test
  void anArrayAttributeNeverMatches() {
    Sampler sampler =
        sampler(
            1,
            0.0,
            true,
            rule(
                "tenant",
                new SpanMatch(null, null, Map.of("http.request.header.x-tenant", "**")),
                1.0,
                null));
    Attributes array =
        Attributes.of(AttributeKey.stringArrayKey("http.request.header.x-tenant"), List.of("acme"));
    Attributes text = Attributes.of(AttributeKey.stringKey("http.request.header.x-tenant"), "acme");
    assertThat(
            sampler
                .shouldSample(Context.root(), traceId(), "x", SpanKind.SERVER, array, List.of())
                .getDecision())
        .isEqualTo(SamplingDecision.DROP);
    assertThat(
            sampler
                .shouldSample(Context.root(), traceId(), "x", SpanKind.SERVER, text, List.of())
                .getDecision())
        .isEqualTo(SamplingDecision.RECORD_AND_SAMPLE);
  }

  /** A rule written {@code 2.0} (canonicalised to "2") and a double attribute 2.0. */
  @Test
  void wholeNumberRuleValueMatchesADoubleAttribute() {
    io.sluice.rules.ParseResult parsed =
        io.sluice.rules.RuleCodec.parse(
            "{\"schemaVersion\":1,\"service\":\"orders\",\"sampling\":{\"defaultRatio\":0,"
                + "\"rules\":[{\"name\":\"w\",\"match\":{\"attributes\":{\"weight\":2.0}},"
                + "\"ratio\":1}]}}");
    assertThat(parsed.errors()).isEmpty();
    ActiveRules rules =
        new ActiveRules(CompiledRules.compile(parsed.orElseThrow()), 1, ActiveRules.Source.ETCD);
    Sampler sampler = RuleSampler.create(new ActiveRulesHolder(rules), clock);
    SamplingResult result =
        sampler.shouldSample(
            Context.root(),
            TraceId.fromLongs(7, 1),
            "x",
            SpanKind.SERVER,
            Attributes.of(AttributeKey.doubleKey("weight"), 2.0),
            List.of());
    assertThat(result.getDecision()).isEqualTo(SamplingDecision.RECORD_AND_SAMPLE);
  }

  /**
   * The smallest long is a whole number in the range of a long: a rule for it keeps a span whose
   * attribute holds it as a double as it keeps one holding it as a long.
   */
  @Test
  void theSmallestLongRuleValueMatchesItAsALongAndAsADoubleAttribute() {
    io.sluice.rules.ParseResult parsed =
        io.sluice.rules.RuleCodec.parse(
            "{\"schemaVersion\":1,\"service\":\"orders\",\"sampling\":{\"defaultRatio\":0,"
                + "\"rules\":[{\"name\":\"min\",\"match\":{\"attributes\":"
                + "{\"offset\":-9223372036854775808}},\"ratio\":1}]}}");
    assertThat(parsed.errors()).isEmpty();
    ActiveRules rules =
        new ActiveRules(CompiledRules.compile(parsed.orElseThrow()), 1, ActiveRules.Source.ETCD);
    Sampler sampler = RuleSampler.create(new ActiveRulesHolder(rules), clock);
    for (Attributes attributes :
        List.of(
            Attributes.of(AttributeKey.longKey("offset"), Long.MIN_VALUE),
            Attributes.of(AttributeKey.doubleKey("offset"), -0x1p63))) {
      SamplingResult result =
          sampler.shouldSample(
              Context.root(), TraceId.fromLongs(7, 1), "x", SpanKind.SERVER, attributes, List.of());
      assertThat(result.getDecision())
          .as(attributes.toString())
          .isEqualTo(SamplingDecision.RECORD_AND_SAMPLE);
      assertThat(result.getAttributes().get(SamplingAttributes.RULE_KEY)).isEqualTo("min");
    }
  }

  /**
   * Snapshots can be built and published in code (records, {@link CompiledRules#compile}, {@link
   * ActiveRulesHolder#publish}) without {@code RuleCodec} validation. A bad one must not make span
   * creation throw into the app: the request path never throws.
   */
  @Test
  void aSnapshotTheSamplerCannotBuildNeverThrowsOnTheRequestPath() {
    ActiveRulesHolder holder =
        new ActiveRulesHolder(rules(1, new SamplingPolicy(1.0, true, List.of())));
    Sampler sampler = RuleSampler.create(holder, clock);
    holder.publish(
        rules(2, new SamplingPolicy(1.0, true, List.of(rule("bad", SpanMatch.ANY, 1.5, null)))));
    org.assertj.core.api.Assertions.assertThatCode(() -> sample(sampler, "x"))
        .doesNotThrowAnyException();
    assertThat(sample(sampler, "x").getDecision())
        .as("the rules in force stay")
        .isEqualTo(SamplingDecision.RECORD_AND_SAMPLE);
    assertThat(sampler.getDescription()).contains("revision=1");
    holder.publish(rules(3, new SamplingPolicy(0.0, true, List.of())));
    assertThat(sample(sampler, "x").getDecision()).isEqualTo(SamplingDecision.DROP);
    assertThat(sampler.getDescription()).contains("revision=3");
  }

  /**
   * A holder whose first snapshot the sampler cannot build (made in code, past validation) does not
   * make the sampler's creation throw, as it used to: it samples by the built-in defaults until
   * rules it can use are published.
   */
  @Test
  void aFirstSnapshotTheSamplerCannotBuildLeavesTheDefaultsInForce() {
    ActiveRulesHolder holder =
        new ActiveRulesHolder(
            rules(
                4, new SamplingPolicy(0.0, true, List.of(rule("bad", SpanMatch.ANY, 2.0, null)))));
    Sampler sampler = RuleSampler.create(holder, clock);
    assertThat(sample(sampler, "x").getDecision())
        .as("the built-in defaults keep everything")
        .isEqualTo(SamplingDecision.RECORD_AND_SAMPLE);
    assertThat(sampler.getDescription()).contains("revision=0");
    holder.publish(rules(5, new SamplingPolicy(0.0, true, List.of())));
    assertThat(sample(sampler, "x").getDecision()).isEqualTo(SamplingDecision.DROP);
    assertThat(sampler.getDescription()).contains("revision=5");
  }

  /**
   * A span started while a rules change is being told decides by the rules in force until the
   * sampler's listener has built the new ones: no rule is compiled on a request thread, and no span
   * start waits for a lock while one is. Here a listener told before the sampler's is slow (as a
   * last-known-good save on a slow disk is). Before, the first span start that saw the new snapshot
   * built the sampler's state for it itself, under a lock every other span start then waited for.
   */
  @Test
  void aSpanStartedWhileARulesChangeIsToldCompilesNothingAndWaitsForNothing() throws Exception {
    ActiveRulesHolder holder =
        new ActiveRulesHolder(rules(1, new SamplingPolicy(1.0, true, List.of())));
    HeldListener held = HeldListener.on(holder);
    Sampler sampler = RuleSampler.create(holder, clock);
    Thread publisher;
    try (held) {
      publisher = held.publishAndHold(holder, rules(2, new SamplingPolicy(0.0, true, List.of())));
      assertThat(holder.current().revision()).isEqualTo(2);
      assertThat(sample(sampler, "x").getDecision())
          .as("the rules in force until the sampler's listener has built the new ones")
          .isEqualTo(SamplingDecision.RECORD_AND_SAMPLE);
    }
    publisher.join(TimeUnit.SECONDS.toMillis(30));
    assertThat(sample(sampler, "x").getDecision()).isEqualTo(SamplingDecision.DROP);
  }

  /**
   * What the app hands the sampler may fail in any way, an Error of class loading too (an app's own
   * {@code Attributes} whose class went missing): the span is dropped, nothing reaches the app.
   */
  @Test
  void aLinkageErrorWhileMatchingNeverReachesTheApp() {
    Sampler sampler = tenantSampler();
    org.assertj.core.api.Assertions.assertThatCode(
            () -> assertThat(sampleBroken(sampler, "x")).isEqualTo(SamplingDecision.DROP))
        .doesNotThrowAnyException();
  }

  /**
   * A log handler that throws on the failure's one line (a full disk, a broken appender) must not
   * turn the dropped span into an exception in the app's span start; the next failure is logged.
   */
  @Test
  void aFailureWhoseLogLineThrowsNeverReachesTheAppAndIsLoggedWithTheNextOne() {
    Sampler sampler = tenantSampler();
    try (LogCapture log = LogCapture.of(RuleBasedSampler.class)) {
      try (BrokenLogHandler broken = BrokenLogHandler.on(RuleBasedSampler.class)) {
        org.assertj.core.api.Assertions.assertThatCode(
                () -> assertThat(sampleBroken(sampler, "first")).isEqualTo(SamplingDecision.DROP))
            .doesNotThrowAnyException();
      }
      int before = log.messages().size();
      assertThat(sampleBroken(sampler, "second")).isEqualTo(SamplingDecision.DROP);
      assertThat(sampleBroken(sampler, "third")).isEqualTo(SamplingDecision.DROP);
      assertThat(log.messages().subList(before, log.messages().size()))
          .containsExactly("sampling rules failed on a span; dropping it");
    }
  }

  /** Keeps a span whose {@code tenant} attribute is {@code a}: every decision reads it. */
  private Sampler tenantSampler() {
    return sampler(
        1, 1.0, true, rule("tenant", new SpanMatch(null, null, Map.of("tenant", "a")), 1.0, null));
  }

  /** The decision for a span whose attributes throw a class-loading error at every read. */
  private SamplingDecision sampleBroken(Sampler sampler, String name) {
    Attributes broken =
        (Attributes)
            java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(),
                new Class<?>[] {Attributes.class},
                (proxy, method, args) -> {
                  throw new NoClassDefFoundError("com/example/TenantAttributes");
                });
    return sampler
        .shouldSample(
            Context.root(), TraceId.fromLongs(7, 1), name, SpanKind.SERVER, broken, List.of())
        .getDecision();
  }

  /** A sampler on rules of {@code revision}: {@code rules} in order, then the default ratio. */
  private Sampler sampler(
      long revision, double defaultRatio, boolean respectParent, SamplingRule... rules) {
    return RuleSampler.create(
        new ActiveRulesHolder(
            rules(revision, new SamplingPolicy(defaultRatio, respectParent, List.of(rules)))),
        clock);
  }
}
