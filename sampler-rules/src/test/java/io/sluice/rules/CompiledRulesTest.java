package io.sluice.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CompiledRulesTest {

  /** Attributes as the tests hold them: values aligned with {@link CompiledRules#attributeKeys}. */
  private static final AttributeReader<String[]> BY_INDEX = (values, index) -> values[index];

  private static final SpanKind[] KINDS = SpanKind.values(); // values() copies on every call

  private static final CompiledRules RULES =
      CompiledRules.compile(
          RuleCodec.parse(
                  """
                  {"schemaVersion": 1, "service": "orders",
                   "sampling": {"rules": [
                     {"name": "health", "match": {"spanName": "GET /health*"}, "ratio": 0},
                     {"name": "checkout", "match": {"spanKind": "SERVER",
                        "attributes": {"http.request.method": "POST", "url.path": "/checkout/**"}},
                      "ratio": 1},
                     {"name": "servers", "match": {"spanKind": "SERVER"}, "ratio": 0.5},
                     {"name": "tenant", "match": {"attributes": {"tenant": "acme-*",
                        "url.path": "/api/*"}}, "ratio": 0.2},
                     {"name": "anything", "ratio": 0.01}
                   ]},
                   "breakers": [
                     {"name": "payments-pay", "match": {"host": "payments*", "port": 8080,
                        "method": "POST", "path": "/pay/**"}},
                     {"name": "payments-any", "match": {"host": "payments*"}},
                     {"name": "get-items", "match": {"method": "G*", "path": "/items/*/detail"}},
                     {"name": "port-9090", "match": {"port": 9090}}
                   ]}
                  """)
              .orElseThrow());

  @Test
  void attributeKeysAreDistinctInFirstUseOrder() {
    assertThat(RULES.attributeKeys()).containsExactly("http.request.method", "url.path", "tenant");
  }

  @ParameterizedTest(name = "{0} {1} {2} {3} {4} -> {5}")
  @CsvSource(
      nullValues = "-",
      value = {
        // first match wins, in document order
        "GET /health,   SERVER, -,    -,               -,       health",
        "GET /healthz,  CLIENT, POST, /checkout/1,     -,       health",
        "POST /c,       SERVER, POST, /checkout/1/2,   -,       checkout",
        "POST /c,       SERVER, post, /checkout/1,     -,       servers",
        "POST /c,       SERVER, POST, /checkout,       -,       servers",
        "POST /c,       CLIENT, POST, /checkout/1,     -,       anything",
        // every attribute of a rule must be present and match
        "x,             CLIENT, -,    /api/v1,         acme-eu, tenant",
        "x,             CLIENT, -,    /api/v1/x,       acme-eu, anything",
        "x,             CLIENT, -,    -,               acme-eu, anything",
        "x,             CLIENT, -,    /api/v1,         ACME-eu, anything",
        // a span without a name matches only rules without a name glob
        "-,             SERVER, -,    -,               -,       servers",
        "-,             INTERNAL, -,  -,               -,       anything",
      })
  void firstMatchingSamplingRuleDecides(
      String spanName, SpanKind kind, String method, String path, String tenant, String rule) {
    String[] attributes = {method, path, tenant};

    int index = RULES.samplingRuleIndex(spanName, kind, attributes, BY_INDEX);

    assertThat(RULES.document().sampling().rules().get(index).name()).isEqualTo(rule);
    assertThat(RULES.samplingRule(spanName, kind, attributes, BY_INDEX).name()).isEqualTo(rule);
  }

  @Test
  void noSamplingRuleMatchesWhenNoneHolds() {
    CompiledRules rules =
        CompiledRules.compile(
            RuleCodec.parse(
                    """
                    {"schemaVersion": 1, "service": "s", "sampling": {"rules": [
                      {"name": "a", "match": {"spanName": "a"}, "ratio": 1}]}}
                    """)
                .orElseThrow());
    assertThat(rules.samplingRuleIndex("b", SpanKind.SERVER, new String[0], BY_INDEX))
        .isEqualTo(CompiledRules.NO_MATCH);
    assertThat(rules.samplingRule("b", SpanKind.SERVER, new String[0], BY_INDEX)).isNull();
    assertThat(rules.attributeKeys()).isEmpty();
  }

  @Test
  void readerIsAskedOnlyForKeysOfTheRulesItTries() {
    List<Integer> asked = new java.util.ArrayList<>();
    AttributeReader<Map<Integer, String>> recording =
        (values, index) -> {
          asked.add(index);
          return values.get(index);
        };
    RULES.samplingRuleIndex("POST /c", SpanKind.SERVER, Map.of(0, "GET"), recording);
    // checkout asks for the method (index 0), fails, and servers matches without attributes
    assertThat(asked).containsExactly(0);
  }

  @ParameterizedTest(name = "{0}:{1} {2} {3} -> {4}")
  @CsvSource(
      nullValues = "-",
      value = {
        // first match wins, in document order
        "payments,        8080, POST, /pay/1,          payments-pay",
        "payments-v2,     8080, POST, /pay/1/confirm,  payments-pay",
        "payments,        8081, POST, /pay/1,          payments-any",
        "payments,        8080, GET,  /pay/1,          payments-any",
        "payments,        8080, POST, /refund,         payments-any",
        // methods and hosts compare ignoring case, paths do not
        "payments,        8080, post, /pay/1,          payments-pay",
        "PAYMENTS.local,  8080, Post, /pay/1,          payments-pay",
        "inventory,       80,   get,  /items/7/detail, get-items",
        "inventory,       80,   GET,  /ITEMS/7/detail, -",
        "inventory,       80,   GET,  /items/7/8/detail, -",
        // port alone
        "inventory,       9090, DELETE, /,             port-9090",
        "inventory,       9091, DELETE, /,             -",
        // an absent method never matches a method glob
        "inventory,       80,   -,    /items/7/detail, -",
      })
  void firstMatchingBreakerPolicyCoversTheCall(
      String host, int port, String method, String path, String policy) {
    int index = RULES.breakerPolicyIndex(host, port, method, path);

    if (policy == null) {
      assertThat(index).isEqualTo(CompiledRules.NO_MATCH);
      assertThat(RULES.breakerPolicy(host, port, method, path)).isNull();
    } else {
      assertThat(RULES.document().breakers().get(index).name()).isEqualTo(policy);
      assertThat(RULES.breakerPolicy(host, port, method, path).name()).isEqualTo(policy);
    }
  }

  @Test
  void compilingADocumentBuiltInCodeRejectsAMalformedGlob() {
    RuleDocument document =
        new RuleDocument(
            1,
            "s",
            new SamplingPolicy(
                1,
                true,
                List.of(new SamplingRule("r", new SpanMatch("a***", null, Map.of()), 1, null))),
            List.of());
    assertThatThrownBy(() -> CompiledRules.compile(document))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("malformed glob 'a***'");
  }

  @Test
  void builtInDefaultsMatchNothing() {
    CompiledRules rules = CompiledRules.compile(RuleDocument.builtInDefaults("s"));
    assertThat(rules.samplingRuleIndex("x", SpanKind.SERVER, new String[0], BY_INDEX))
        .isEqualTo(CompiledRules.NO_MATCH);
    assertThat(rules.breakerPolicyIndex("h", 80, "GET", "/")).isEqualTo(CompiledRules.NO_MATCH);
  }

  /**
   * Matching runs on request threads: after warm-up, 10 000 decisions allocate nothing. Counted
   * with the JVM's per-thread allocation counter, so the check is deterministic, not a timing.
   */
  @Test
  void matchingAllocatesNothingInSteadyState() {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    assertThat(threads.isThreadAllocatedMemorySupported()).isTrue();
    threads.setThreadAllocatedMemoryEnabled(true);
    long thread = Thread.currentThread().getId();
    String[][] spans = {
      {"POST", "/checkout/1/2", null},
      {"GET", "/api/v1", "acme-eu"},
      {null, null, null},
      {"PUT", "/x/y/z", "other"},
    };
    String[] names = {"GET /healthz", "POST /checkout", "GET /api/v1", "internal work"};
    String[] hosts = {"payments", "PAYMENTS.svc", "inventory", "db"};
    String[] paths = {"/pay/1", "/items/7/detail", "/ITEMS/7/detail", "/"};
    String[] methods = {"POST", "get", "DELETE", "Get"};

    int sink = 0;
    for (int i = 0; i < 50_000; i++) { // warm-up: let the JIT compile the matching code
      sink += match(i, spans, names, hosts, paths, methods);
    }
    // One stray event (a JIT deoptimisation, a class resolved late) may allocate a few bytes once;
    // an allocation per match would show in every round as at least 16 bytes x 20 000.
    long fewest = Long.MAX_VALUE;
    for (int round = 0; round < 5; round++) {
      long baseline = allocated(threads, thread);
      long measurementCost = allocated(threads, thread) - baseline;
      long before = allocated(threads, thread);
      for (int i = 0; i < 10_000; i++) {
        sink += match(i, spans, names, hosts, paths, methods);
      }
      fewest = Math.min(fewest, allocated(threads, thread) - before - measurementCost);
    }

    assertThat(sink).isNotZero();
    assertThat(fewest)
        .as("bytes allocated by 20 000 matches, fewest of 5 rounds")
        .isLessThanOrEqualTo(64);
  }

  private static int match(
      int i, String[][] spans, String[] names, String[] hosts, String[] paths, String[] methods) {
    int k = i & 3;
    int rule =
        RULES.samplingRuleIndex(names[k], KINDS[i % KINDS.length], spans[(i >> 2) & 3], BY_INDEX);
    int policy =
        RULES.breakerPolicyIndex(hosts[k], 8080 + (i & 1), methods[(i >> 2) & 3], paths[k]);
    return rule + policy + 2;
  }

  private static long allocated(com.sun.management.ThreadMXBean threads, long thread) {
    return threads.getThreadAllocatedBytes(thread);
  }
}
