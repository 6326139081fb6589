package io.sluice.sdk.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.sdk.ActiveRules;
import io.sluice.sdk.ActiveRulesHolder;
import io.sluice.sdk.source.EtcdRuleSource;
import io.sluice.sdk.status.StatusReporter;
import io.sluice.testing.etcd.NotEtcdHttpServer;
import io.sluice.testing.logging.LogCapture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Something that is not etcd answering where an agent expects etcd, as a proxy or an Envoy in front
 * of etcd does when it refuses a call or cannot pass it on: a real HTTP/2 server on loopback that
 * answers every call with an HTTP status. The agent, set up by {@link ConfiguredRules}, says so
 * once per stretch of failures in its rule source and its status reporter, neither as an outage nor
 * as etcd refusing its credentials (which a 403 became before: "check sluice.etcd.user"). A proxy's
 * 502, 503 or 504 (it could not reach etcd) is the outage it stands for.
 */
class EtcdBehindAProxyIT {

  /** Generous: the first jetcd client of a JVM loads gRPC and Netty. */
  private static final Duration AWAIT = Duration.ofSeconds(30);

  /** How long a logged problem must stay one line while the retries go on. */
  private static final Duration ONE_LINE_DURING = Duration.ofSeconds(2);

  private static final String STATUS_KEY_START = "the agent status /sluice/v1/agents/orders/";

  @TempDir Path state;

  @ParameterizedTest(name = "HTTP {0}")
  @CsvSource({"403, RBAC: access denied", "407, Proxy Authentication Required"})
  void anHttpAnswerFromSomethingThatIsNotEtcdIsSaidToBeOneOnce(int status, String body) {
    try (NotEtcdHttpServer proxy = NotEtcdHttpServer.answering(status, body);
        LogCapture rules = LogCapture.of(EtcdRuleSource.class);
        LogCapture reporter = LogCapture.of(StatusReporter.class);
        ConfiguredRules agent = agentOf(proxy.endpoint())) {
      String said =
          "etcd at "
              + proxy.endpoint()
              + " answered with HTTP "
              + status
              + " from something that is not etcd (a proxy?)";
      agent.start();

      awaitAWarningFromEach(rules, reporter);
      // retries go on, and say nothing more
      awaitWarningsStayAt(1, rules, reporter);

      assertThat(warnings(rules))
          .singleElement()
          .asString()
          .startsWith(said + ", for the rules of orders (")
          .contains("HTTP status code " + status)
          .contains("check what stands between this agent and etcd")
          .doesNotContain("\n");
      assertThat(warnings(reporter))
          .singleElement()
          .asString()
          .startsWith(said + ", for " + STATUS_KEY_START)
          .contains("check what stands between this agent and etcd")
          .doesNotContain("\n");
      assertThat(proxy.answered()).as("calls answered by the proxy").isGreaterThan(2);
    }
  }

  /**
   * A reverse proxy in front of etcd that cannot reach it answers 502, 503 or 504 (Envoy's "no
   * healthy upstream"): etcd is down or cut off behind it, an outage, said in the control plane's
   * words ({@code EtcdRefusal.unreachableBehindProxy}) as the one outage warning of the stretch,
   * with the rules in force kept. It was said to come "from something that is not etcd (a proxy?)",
   * a mistake to fix in front of etcd, where the control plane said an outage.
   */
  @ParameterizedTest(name = "HTTP {0}")
  @CsvSource({"502, Bad Gateway", "503, no healthy upstream", "504, upstream request timeout"})
  void aProxysGatewayErrorIsAnOutageBehindIt(int status, String body) {
    ActiveRulesHolder holder = new ActiveRulesHolder(ActiveRules.defaults("orders"));
    ActiveRules before = holder.current();
    try (NotEtcdHttpServer proxy = NotEtcdHttpServer.answering(status, body);
        LogCapture rules = LogCapture.of(EtcdRuleSource.class);
        LogCapture reporter = LogCapture.of(StatusReporter.class);
        ConfiguredRules agent = agentOf(proxy.endpoint(), holder)) {
      String said =
          "etcd at "
              + proxy.endpoint()
              + " answered with HTTP "
              + status
              + " from a proxy in front of it, which could not reach etcd (etcd down or cut off"
              + " behind the proxy: an outage)";
      agent.start();

      awaitAWarningFromEach(rules, reporter);
      awaitWarningsStayAt(1, rules, reporter);

      assertThat(warnings(rules))
          .singleElement()
          .asString()
          .isEqualTo(
              "etcd is unreachable for the rules of orders ("
                  + said
                  + "); the rules in force stay, retrying in the background");
      assertThat(warnings(reporter))
          .singleElement()
          .asString()
          .startsWith("could not write " + STATUS_KEY_START)
          .contains(" (" + said + "); retrying")
          .doesNotContain("\n");
      assertThat(holder.current()).as("the rules in force").isSameAs(before);
      assertThat(proxy.answered()).as("calls answered by the proxy").isGreaterThan(2);
    }
  }

  @Test
  void anEnvoyRbacDenialInGrpcTermsIsSaidToBeFromSomethingThatIsNotEtcd() {
    // Envoy's RBAC filter denies a gRPC call with grpc-status 7 (PERMISSION_DENIED), as etcd's own
    // auth does, but says "RBAC: access denied" where etcd says "etcdserver: permission denied"
    try (NotEtcdHttpServer envoy = NotEtcdHttpServer.answeringGrpc(7, "RBAC: access denied");
        LogCapture rules = LogCapture.of(EtcdRuleSource.class);
        LogCapture reporter = LogCapture.of(StatusReporter.class);
        ConfiguredRules agent = agentOf(envoy.endpoint())) {
      String said =
          "etcd at "
              + envoy.endpoint()
              + " answered with an RBAC denial from something that is not etcd (an Envoy?)";
      agent.start();

      awaitAWarningFromEach(rules, reporter);

      assertThat(warnings(rules))
          .singleElement()
          .asString()
          .startsWith(said + ", for the rules of orders (")
          .contains("RBAC: access denied")
          .contains("check what stands between this agent and etcd")
          .doesNotContain("sluice.etcd.user");
      assertThat(warnings(reporter))
          .singleElement()
          .asString()
          .startsWith(said + ", for " + STATUS_KEY_START)
          .contains("check what stands between this agent and etcd")
          .doesNotContain("sluice.etcd.user");
      assertThat(envoy.answered()).as("calls answered by the Envoy").isGreaterThan(1);
    }
  }

  @Test
  void warnsOfTheProxyAndOfAnOutageOnceEachThoughTheyFlip() {
    try (NotEtcdHttpServer proxy = NotEtcdHttpServer.answering(403, "RBAC: access denied");
        LogCapture rules = LogCapture.of(EtcdRuleSource.class);
        LogCapture reporter = LogCapture.of(StatusReporter.class);
        ConfiguredRules agent = agentOf(proxy.endpoint())) {
      agent.start();
      awaitAWarningFromEach(rules, reporter);

      proxy.stop(); // nothing there: an outage, which is a problem of its own
      await()
          .atMost(AWAIT)
          .until(() -> warnings(rules).size() == 2 && warnings(reporter).size() == 2);
      int answered = proxy.answered();
      proxy.start(); // the proxy again: said already in this stretch of failures
      await().atMost(AWAIT).until(() -> proxy.answered() > answered + 2);
      awaitWarningsStayAt(2, rules, reporter);

      assertThat(warnings(rules))
          .satisfiesExactly(
              m -> assertThat(m).contains("answered with HTTP 403 from something that is not etcd"),
              m -> assertThat(m).startsWith("etcd is unreachable for the rules of orders"));
      assertThat(warnings(reporter))
          .satisfiesExactly(
              m -> assertThat(m).contains("answered with HTTP 403 from something that is not etcd"),
              m -> assertThat(m).startsWith("could not write " + STATUS_KEY_START));
    }
  }

  private ConfiguredRules agentOf(String endpoint) {
    return agentOf(endpoint, new ActiveRulesHolder(ActiveRules.defaults("orders")));
  }

  private ConfiguredRules agentOf(String endpoint, ActiveRulesHolder holder) {
    SluiceConfig config =
        SluiceConfig.fromProperties(
            Map.of(
                    "otel.service.name",
                    "orders",
                    "sluice.state.dir",
                    state.toString(),
                    "sluice.etcd.endpoints",
                    endpoint)
                ::get);
    return ConfiguredRules.builder(config, holder).build();
  }

  /** Waits until the rule source and the status reporter have each warned. */
  private static void awaitAWarningFromEach(LogCapture rules, LogCapture reporter) {
    await().atMost(AWAIT).until(() -> !warnings(rules).isEmpty() && !warnings(reporter).isEmpty());
  }

  /**
   * Waits until the rule source and the status reporter have each warned {@code count} times, and
   * say nothing more for {@link #ONE_LINE_DURING} while their retries go on.
   */
  private static void awaitWarningsStayAt(int count, LogCapture rules, LogCapture reporter) {
    await()
        .during(ONE_LINE_DURING)
        .atMost(ONE_LINE_DURING.plus(AWAIT))
        .until(() -> warnings(rules).size() == count && warnings(reporter).size() == count);
  }

  private static List<String> warnings(LogCapture log) {
    return log.records().stream()
        .filter(r -> r.getLevel() == Level.WARNING)
        .map(LogRecord::getMessage)
        .toList();
  }
}
