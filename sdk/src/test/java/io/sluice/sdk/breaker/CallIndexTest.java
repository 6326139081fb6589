package io.sluice.sdk.breaker;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.rules.BreakerPolicy;
import io.sluice.rules.CallMatch;
import io.sluice.rules.CompiledRules;
import io.sluice.rules.RuleDocument;
import io.sluice.rules.SamplingPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** The index answers exactly like {@link CompiledRules#breakerPolicyIndex}, on random inputs. */
class CallIndexTest {

  private static final String[] HOST_GLOBS = {"payments*", "*.internal", "**", "PAYMENTS.internal"};
  private static final String[] HOSTS = {"payments.internal", "payments", "search.internal", "x"};
  private static final String[] METHOD_GLOBS = {"POST", "get", "*", "P*"};
  private static final String[] METHODS = {"POST", "GET", "put", "post", null};
  private static final String[] PATH_GLOBS = {
    "/pay/**",
    "/pay/*",
    "/**",
    "*",
    "/a/*/c",
    "/pay/1",
    "/pa*",
    "/pay/**/2",
    "/a/**",
    "/ab/*",
    "**/c",
    "/pay",
    "/pé/*",
    "/pa**",
    "/a/*/**"
  };
  private static final String[] PATHS = {
    "/pay/1",
    "/pay/1/2",
    "/",
    "",
    "/a/b/c",
    "/pa",
    "/pay",
    "/a",
    "/ab/x",
    "/pay/1/x",
    "/pé/x",
    "/pax/1",
    null
  };

  @TestFactory
  Stream<DynamicTest> answersLikeCompiledRules() {
    return IntStream.range(0, 30)
        .mapToObj(
            seed -> DynamicTest.dynamicTest("seed " + seed, () -> check(new Random(seed), 8)));
  }

  /**
   * Many policies: the path prefix tree narrows the candidates (up to 64 policies), and past 64 the
   * index checks every candidate in turn.
   */
  @TestFactory
  Stream<DynamicTest> answersLikeCompiledRulesWithManyPolicies() {
    return IntStream.range(0, 20)
        .mapToObj(
            seed ->
                DynamicTest.dynamicTest("seed " + seed, () -> check(new Random(1000 + seed), 80)));
  }

  private static <T> T pick(Random r, T[] values, boolean allowNull) {
    return allowNull && r.nextInt(3) == 0 ? null : values[r.nextInt(values.length)];
  }

  private static void check(Random random, int maxPolicies) {
    List<BreakerPolicy> policies = new ArrayList<>();
    for (int i = 0, n = 1 + random.nextInt(maxPolicies); i < n; i++) {
      CallMatch match =
          new CallMatch(
              pick(random, HOST_GLOBS, true),
              random.nextInt(3) == 0 ? (random.nextBoolean() ? 8080 : 443) : null,
              pick(random, METHOD_GLOBS, true),
              pick(random, PATH_GLOBS, true));
      policies.add(Policies.policy("p" + i, match));
    }
    CompiledRules compiled =
        CompiledRules.compile(new RuleDocument(1, "s", SamplingPolicy.DEFAULT, policies));
    CallIndex index = new CallIndex(policies);
    for (int c = 0; c < 500; c++) {
      String host = pick(random, HOSTS, false);
      int port = random.nextBoolean() ? 8080 : 443;
      String method = pick(random, METHODS, false);
      String path = pick(random, PATHS, false);
      int[] candidates = index.candidates(host, port);
      assertThat(index.match(candidates, CallIndex.mask(candidates), method, path))
          .as("%s: %s:%d %s %s", policies, host, port, method, path)
          .isEqualTo(compiled.breakerPolicyIndex(host, port, method, path));
    }
  }
}
