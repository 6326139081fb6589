package io.sluice.sdk.sampling;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceId;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingDecision;
import io.sluice.rules.CompiledRules;
import io.sluice.rules.RuleDocument;
import io.sluice.rules.SamplingPolicy;
import io.sluice.rules.SamplingRule;
import io.sluice.rules.SpanMatch;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The index answers exactly like {@link CompiledRules#samplingRuleIndex}, on random inputs; when
 * given a trace id it may answer {@link SpanRuleIndex#DROP} instead, but only when the rule (or
 * default) that answer stands for drops that trace by OpenTelemetry's own ratio sampler.
 */
class SpanRuleIndexTest {

  private static final String[] NAME_GLOBS = {
    "GET /api/**", "GET /api/*", "POST /**", "*", "**", "GET /health*", "*/users", "GET /a/*/c"
  };
  private static final String[] NAMES = {
    "GET /api/users",
    "GET /api/users/1",
    "POST /pay",
    "GET /healthz",
    "GET /a/b/c",
    "x",
    "GET /users"
  };
  private static final String[] KEYS = {"url.path", "http.request.method", "server.port", "flag"};
  private static final String[] VALUE_GLOBS = {
    "/api/**",
    "/api/*",
    "/ap",
    "/a*/users",
    "*/users",
    "GET",
    "G*",
    "POST",
    "80*",
    "8080",
    "true",
    "*",
    "**",
    // literal prefixes longer than, exactly as long as and shorter than the packed eight
    // characters, and characters outside Latin-1 (which are not packed)
    "/api/users/**",
    "/api/use*",
    "/api/users/1",
    "/é/**",
    "/ü€/*",
    "/€*"
  };

  @TestFactory
  Stream<DynamicTest> answersLikeCompiledRules() {
    return IntStream.range(0, 40)
        .mapToObj(
            seed ->
                DynamicTest.dynamicTest(
                    "seed " + seed, () -> check(new Random(seed), seed % 5 == 0)));
  }

  private static final double[] RATIOS = {0.0, 0.001, 0.1, 0.5, 1.0};

  private static double ratio(Random random) {
    return RATIOS[random.nextInt(RATIOS.length)];
  }

  /** OpenTelemetry's decision, independent of Sluice's {@link TraceIdRatio}. */
  private static boolean keptByOpenTelemetry(double ratio, String traceId) {
    return Sampler.traceIdRatioBased(ratio)
            .shouldSample(
                Context.root(), traceId, "x", SpanKind.INTERNAL, Attributes.empty(), List.of())
            .getDecision()
        == SamplingDecision.RECORD_AND_SAMPLE;
  }

  /** Trace ids whose lower 64 bits' absolute value is near the top, and 1: 0.1 drops, keeps. */
  private static final String DROPPED_AT_0_1 = "0af7651916cd43dd" + "f000000000000000";

  private static final String KEPT_AT_0_1 = "0af7651916cd43dd" + "0000000000000001";

  /** GET spans under /api, kept at 0.1. */
  private static final SamplingRule API_GETS_AT_0_1 =
      new SamplingRule(
          "api",
          new SpanMatch("GET /api/**", null, Map.of("http.request.method", "GET")),
          0.1,
          null);

  private static SpanRuleIndex indexWithDefaultZero(List<SamplingRule> rules) {
    CompiledRules compiled =
        CompiledRules.compile(
            new RuleDocument(1, "s", new SamplingPolicy(0.0, true, rules), List.of()));
    return new SpanRuleIndex(
        rules, 0.0, compiled.attributeKeys(), new OtelAttributeReader(compiled.attributeKeys()));
  }

  @Test
  void dropsWithoutReadingAttributesWhenNoOutcomeKeepsTheTrace() {
    List<SamplingRule> rules = List.of(API_GETS_AT_0_1);
    SpanRuleIndex index = indexWithDefaultZero(rules);
    CountingAttributes attributes =
        new CountingAttributes(Attributes.of(AttributeKey.stringKey("http.request.method"), "GET"));
    String dropped = DROPPED_AT_0_1;
    String kept = KEPT_AT_0_1;
    assertThat(keptByOpenTelemetry(0.1, dropped)).isFalse();
    assertThat(keptByOpenTelemetry(0.1, kept)).isTrue();

    assertThat(index.match("GET /api/users", SpanKind.SERVER, attributes, dropped))
        .isEqualTo(SpanRuleIndex.DROP);
    assertThat(attributes.reads).isZero();
    assertThat(index.match("GET /api/users", SpanKind.SERVER, attributes, kept)).isZero();
    assertThat(attributes.reads).isPositive();
    // without a trace id there is no short cut
    assertThat(index.match("GET /api/users", SpanKind.SERVER, attributes)).isZero();
  }

  @Test
  void dropsWithoutReadingFurtherAttributesOnceTheRulesThatKeepAreRuledOut() {
    // the first rule keeps every trace, so no trace can be dropped before url.path is read; once
    // it fails there, only the 0.1 rule and the default 0 are left, and a trace 0.1 drops is
    // dropped without reading the method
    List<SamplingRule> rules =
        List.of(
            new SamplingRule(
                "orders", new SpanMatch(null, null, Map.of("url.path", "/orders/**")), 1.0, null),
            API_GETS_AT_0_1);
    SpanRuleIndex index = indexWithDefaultZero(rules);
    String dropped = DROPPED_AT_0_1;
    String kept = KEPT_AT_0_1;
    Attributes api =
        Attributes.of(
            AttributeKey.stringKey("url.path"), "/api/users",
            AttributeKey.stringKey("http.request.method"), "GET");

    CountingAttributes attributes = new CountingAttributes(api);
    assertThat(index.match("GET /api/users", SpanKind.SERVER, attributes, dropped))
        .isEqualTo(SpanRuleIndex.DROP);
    assertThat(attributes.keysRead).containsExactly("url.path");

    attributes = new CountingAttributes(api);
    assertThat(index.match("GET /api/users", SpanKind.SERVER, attributes, kept)).isEqualTo(1);
    assertThat(attributes.keysRead).containsExactly("url.path", "http.request.method");

    // the rule that keeps everything holds: the trace is kept by it, whatever 0.1 would say
    attributes =
        new CountingAttributes(
            Attributes.of(
                AttributeKey.stringKey("url.path"), "/orders/7",
                AttributeKey.stringKey("http.request.method"), "GET"));
    assertThat(index.match("GET /api/users", SpanKind.SERVER, attributes, dropped)).isZero();
  }

  /** Attributes that count how often a value is read, and which keys were asked for. */
  private static final class CountingAttributes implements Attributes {
    private final Attributes delegate;
    int reads;
    final List<String> keysRead = new ArrayList<>();

    CountingAttributes(Attributes delegate) {
      this.delegate = delegate;
    }

    @Override
    public <T> T get(AttributeKey<T> key) {
      reads++;
      keysRead.add(key.getKey());
      return delegate.get(key);
    }

    @Override
    public void forEach(java.util.function.BiConsumer<? super AttributeKey<?>, ? super Object> c) {
      reads++;
      delegate.forEach(c);
    }

    @Override
    public int size() {
      return delegate.size();
    }

    @Override
    public boolean isEmpty() {
      return delegate.isEmpty();
    }

    @Override
    public Map<AttributeKey<?>, Object> asMap() {
      reads++;
      return delegate.asMap();
    }

    @Override
    public AttributesBuilder toBuilder() {
      return delegate.toBuilder();
    }
  }

  private static void check(Random random, boolean pastTheNameCache) {
    List<SamplingRule> rules = new ArrayList<>();
    // few rules take the candidate plans, many the prefix tries
    int n = random.nextInt(3) == 0 ? 20 + random.nextInt(40) : 1 + random.nextInt(12);
    for (int i = 0; i < n; i++) {
      String name = random.nextInt(3) == 0 ? NAME_GLOBS[random.nextInt(NAME_GLOBS.length)] : null;
      io.sluice.rules.SpanKind kind =
          random.nextInt(3) == 0 ? io.sluice.rules.SpanKind.values()[random.nextInt(5)] : null;
      Map<String, String> attrs = new LinkedHashMap<>();
      for (int j = random.nextInt(3); j > 0; j--) {
        attrs.put(
            KEYS[random.nextInt(KEYS.length)], VALUE_GLOBS[random.nextInt(VALUE_GLOBS.length)]);
      }
      rules.add(new SamplingRule("r" + i, new SpanMatch(name, kind, attrs), ratio(random), null));
    }
    double defaultRatio = ratio(random);
    CompiledRules compiled =
        CompiledRules.compile(
            new RuleDocument(1, "s", new SamplingPolicy(defaultRatio, true, rules), List.of()));
    OtelAttributeReader reader = new OtelAttributeReader(compiled.attributeKeys());
    SpanRuleIndex index = new SpanRuleIndex(rules, defaultRatio, compiled.attributeKeys(), reader);
    int spans = pastTheNameCache ? 1000 + SpanRuleIndex.MAX_CACHED_NAMES + 500 : 600;
    for (int s = 0; s < spans; s++) {
      // past the cache limit, unique names exercise the direct scan
      String name =
          s < 1000
              ? (random.nextInt(10) == 0 ? null : NAMES[random.nextInt(NAMES.length)])
              : NAMES[random.nextInt(NAMES.length)] + "-" + s;
      if (name != null && random.nextBoolean()) {
        name = new String(name); // as instrumentation builds it per request: equal, not the same
      }
      if (s >= 1000 && s < 1000 + SpanRuleIndex.MAX_CACHED_NAMES) {
        index.match(name, SpanKind.SERVER, Attributes.empty()); // fills the name cache
        continue;
      }
      SpanKind kind = random.nextInt(6) == 0 ? null : SpanKind.values()[random.nextInt(5)];
      AttributesBuilder b = Attributes.builder();
      if (random.nextBoolean()) {
        String[] paths = {
          "/api/users",
          "/other",
          "/ap",
          "/api/users/1",
          "/a/users",
          "",
          "/api/users/1/2/3",
          "/é/a",
          "/ü€/x",
          "/€",
          "/api/use"
        };
        b.put("url.path", paths[random.nextInt(paths.length)]);
      }
      if (random.nextBoolean()) {
        b.put("http.request.method", random.nextBoolean() ? "GET" : "POST");
      }
      if (random.nextBoolean()) {
        b.put(AttributeKey.longKey("server.port"), random.nextBoolean() ? 8080L : 9090L);
      }
      if (random.nextBoolean()) {
        b.put(AttributeKey.booleanKey("flag"), random.nextBoolean());
      }
      Attributes attributes = b.build();
      int expected =
          compiled.samplingRuleIndex(
              name,
              kind == null ? null : io.sluice.rules.SpanKind.valueOf(kind.name()),
              attributes,
              reader);
      assertThat(index.match(name, kind, attributes))
          .as("rules %s, span %s %s %s", rules, name, kind, attributes)
          .isEqualTo(expected);
      String traceId = TraceId.fromLongs(random.nextLong(), random.nextLong());
      int answer = index.match(name, kind, attributes, traceId);
      if (answer == SpanRuleIndex.DROP) {
        double ratio =
            expected == CompiledRules.NO_MATCH ? defaultRatio : rules.get(expected).ratio();
        assertThat(keptByOpenTelemetry(ratio, traceId))
            .as("dropped without a match, but %s keeps %s", ratio, traceId)
            .isFalse();
      } else {
        assertThat(answer)
            .as("rules %s, span %s, trace %s", rules, name, traceId)
            .isEqualTo(expected);
      }
    }
  }

  /**
   * Names that share their quick hash (length and the four characters it reads) share a front slot:
   * each still finds its own rules, built per request as a new string or not.
   */
  @Test
  void namesSharingAFrontSlotEachFindTheirOwnRules() {
    String first = "GET /a/users/1/x";
    String second = "GET /b/users/1/x";
    assertThat(second).isNotEqualTo(first);
    assertThat(io.sluice.sdk.QuickHash.of(second)).isEqualTo(io.sluice.sdk.QuickHash.of(first));
    List<SamplingRule> rules =
        List.of(
            new SamplingRule("first", new SpanMatch(first, null, Map.of()), 1.0, null),
            new SamplingRule("second", new SpanMatch(second, null, Map.of()), 1.0, null));
    CompiledRules compiled =
        CompiledRules.compile(
            new RuleDocument(1, "s", new SamplingPolicy(0.0, true, rules), List.of()));
    OtelAttributeReader reader = new OtelAttributeReader(compiled.attributeKeys());
    SpanRuleIndex index = new SpanRuleIndex(rules, 0.0, compiled.attributeKeys(), reader);

    for (int i = 0; i < 3; i++) {
      assertThat(index.match(new String(first), SpanKind.SERVER, Attributes.empty())).isZero();
      assertThat(index.match(new String(second), SpanKind.SERVER, Attributes.empty())).isEqualTo(1);
      assertThat(index.match(second, SpanKind.SERVER, Attributes.empty())).isEqualTo(1);
      assertThat(index.match(first, SpanKind.SERVER, Attributes.empty())).isZero();
    }
    assertThat(index.cachedNames()).isEqualTo(2);
  }

  /** A long span name (SQL text, a full URL) is decided by a scan and never held in the cache. */
  @Test
  void longNamesAreDecidedWithoutBeingCached() {
    List<SamplingRule> rules =
        List.of(
            new SamplingRule("select", new SpanMatch("SELECT *", null, Map.of()), 0.5, null),
            new SamplingRule("short", new SpanMatch("GET /*", null, Map.of()), 1.0, null));
    CompiledRules compiled =
        CompiledRules.compile(
            new RuleDocument(1, "s", new SamplingPolicy(0.0, true, rules), List.of()));
    OtelAttributeReader reader = new OtelAttributeReader(compiled.attributeKeys());
    SpanRuleIndex index = new SpanRuleIndex(rules, 0.0, compiled.attributeKeys(), reader);
    String sql = "SELECT " + "x, ".repeat(5_000) + "y FROM t";

    assertThat(index.match(sql, SpanKind.CLIENT, Attributes.empty())).isZero();
    assertThat(index.match("GET /a", SpanKind.SERVER, Attributes.empty())).isEqualTo(1);
    assertThat(index.cachedNames()).as("only the short name is cached").isEqualTo(1);
  }
}
