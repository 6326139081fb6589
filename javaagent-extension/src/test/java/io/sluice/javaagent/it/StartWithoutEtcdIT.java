package io.sluice.javaagent.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.rules.wire.EtcdKeys;
import io.sluice.testing.etcd.EtcdExtension;
import io.sluice.testing.net.RefusedPorts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Apps that start without etcd: one that ran before and kept its last-known-good rules, and one
 * with no Sluice configuration at all. Both serve at once and work.
 */
class StartWithoutEtcdIT {

  @RegisterExtension static final EtcdExtension etcd = new EtcdExtension();

  @Test
  void appStartsWhileEtcdIsDownOnItsLastKnownGoodRules(@TempDir Path stateDir) throws Exception {
    String service = "it-lkg";
    try (Downstream downstream = Downstream.start()) {
      String fallback =
          "{\"mode\":\"response\",\"status\":503,\"headers\":{},\"body\":\"from last-known-good\"}";
      long revision =
          etcd.server()
              .put(
                  EtcdKeys.defaults().rules(service),
                  Rules.document(
                      service,
                      Rules.breaker("lkg", downstream.port(), "/lkg/**", "30s", fallback, false)));
      Map<String, String> properties = AgentApp.withoutExporters(service);
      properties.put("sluice.etcd.endpoints", etcd.endpoint());
      properties.put("sluice.state.dir", stateDir.toString());

      // A first run with etcd up leaves the last-known-good snapshot behind.
      try (AgentApp first = AgentApp.start(AgentApp.sluiceAgentJar(), properties);
          EtcdStatus status = new EtcdStatus(etcd.endpoint())) {
        status.awaitAgent(service, first);
        status.awaitApplied(service, revision, first);
      }
      etcd.server().stop();

      downstream.answer(500);
      try (AgentApp app = AgentApp.start(AgentApp.sluiceAgentJar(), properties)) {
        assertThat(app.healthy()).isTrue();
        awaitLastKnownGoodBreakerOpen(app, downstream);
        assertThat(app.log()).contains("last-known-good");
      }

      // A typo in one setting refuses the configuration (no etcd), but not the stored rules.
      properties.put("sluice.etcd.endpoints", "ftp://127.0.0.1:2379");
      try (AgentApp app = AgentApp.start(AgentApp.sluiceAgentJar(), properties)) {
        awaitLastKnownGoodBreakerOpen(app, downstream);
        assertThat(app.log())
            .contains("Sluice: invalid configuration, running without etcd or a rules file")
            .contains("Sluice: running the last-known-good rules (revision " + revision + ")");
      }
    }
  }

  private static void awaitLastKnownGoodBreakerOpen(AgentApp app, Downstream downstream) {
    AppAnswer fallback =
        app.awaitFallback(
            "the last-known-good breaker opens", downstream.url("/lkg/x"), "from last-known-good");
    assertThat(fallback.status()).isEqualTo(503);
  }

  /**
   * {@code OTEL_SDK_DISABLED=true} turns off spans, not the agent's instrumentation: Sluice's
   * breakers still guard calls and trace headers still pass on, which the log now says.
   */
  @Test
  void withTheSdkDisabledTheBreakersStillGuardAndTheLogSaysSo(@TempDir Path dir) throws Exception {
    try (Downstream downstream = Downstream.start()) {
      String fallback = "{\"mode\":\"response\",\"status\":503,\"body\":\"sdk off\"}";
      Path rules =
          Files.writeString(
              dir.resolve("rules.json"),
              Rules.document(
                  "it-sdk-off",
                  Rules.breaker("sdk-off", downstream.port(), "/lkg/**", "30s", fallback, false)));
      Map<String, String> properties = AgentApp.withoutExporters("it-sdk-off");
      properties.put("sluice.rules.file", rules.toString());
      properties.put("sluice.state.dir", dir.resolve("state").toString());
      try (AgentApp app =
          AgentApp.startWithEnvironment(
              AgentApp.sluiceAgentJar(), properties, Map.of("OTEL_SDK_DISABLED", "true"))) {
        String traceId = AbstractHttpClientIT.randomHex(16);
        AppAnswer answer =
            app.call(
                "jdk",
                "GET",
                downstream.url("/traced"),
                Map.of(
                    "traceparent",
                    "00-" + traceId + "-" + AbstractHttpClientIT.randomHex(8) + "-01"));
        assertThat(answer.status()).isEqualTo(200);
        assertThat(downstream.lastHeader("traceparent")).contains(traceId);

        downstream.answer(500);
        app.awaitFallback("the breaker opens", downstream.url("/lkg/x"), "sdk off");
        assertThat(app.log())
            .contains(
                "Sluice: environment variable OTEL_SDK_DISABLED=true turns off OpenTelemetry's SDK:"
                    + " no spans or metrics are exported");
      }
    }
  }

  @Test
  void appWithoutSluiceConfigurationRunsOnDefaults() throws Exception {
    try (Downstream downstream = Downstream.start()) {
      Map<String, String> properties = AgentApp.withoutExporters("it-no-config");
      try (AgentApp app = AgentApp.start(AgentApp.sluiceAgentJar(), properties)) {
        String traceId = AbstractHttpClientIT.randomHex(16);
        AppAnswer answer =
            app.call(
                "jdk",
                "GET",
                downstream.url("/defaults"),
                Map.of(
                    "X-B3-TraceId",
                    traceId,
                    "X-B3-SpanId",
                    AbstractHttpClientIT.randomHex(8),
                    "X-B3-Sampled",
                    "1"));
        assertThat(answer.status()).isEqualTo(200);
        assertThat(downstream.lastHeader("traceparent")).contains(traceId);
        assertThat(downstream.lastHeader("X-B3-TraceId")).isEqualTo(traceId);

        // B3 that leaves the decision to the receiver ("defer"): the defaults keep the trace
        String deferred = AbstractHttpClientIT.randomHex(16);
        AppAnswer deferring =
            app.call(
                "jdk",
                "GET",
                downstream.url("/defaults"),
                Map.of("X-B3-TraceId", deferred, "X-B3-SpanId", AbstractHttpClientIT.randomHex(8)));
        assertThat(deferring.status()).isEqualTo(200);
        assertThat(downstream.lastHeader("traceparent")).contains(deferred).endsWith("-01");
        assertThat(downstream.lastHeader("X-B3-Sampled")).isEqualTo("1");
        // B3's bare "deny" (no ids): the defaults keep every trace, yet this request is not
        AppAnswer denying = app.call("jdk", "GET", downstream.url("/defaults"), Map.of("b3", "0"));
        assertThat(denying.status()).isEqualTo(200);
        assertThat(downstream.lastHeader("X-B3-Sampled")).isEqualTo("0");
        assertThat(downstream.lastHeader("traceparent")).doesNotEndWith("-01");
        await("the agent says once that it runs on defaults")
            .atMost(Duration.ofSeconds(30))
            .until(() -> app.log().contains("running on built-in defaults"));
        assertThat(app.log().split("running on built-in defaults", -1)).hasSize(2);
      }
    }
  }

  @Test
  void aServiceNameSluiceRefusesLeavesTheAgentRunning() throws Exception {
    // "team/orders" is a fine OpenTelemetry service name but cannot be an etcd key segment: with
    // etcd endpoints (none listening), the configuration is refused
    try (Downstream downstream = Downstream.start()) {
      Map<String, String> properties = AgentApp.withoutExporters("team/orders");
      properties.put("sluice.etcd.endpoints", "http://127.0.0.1:" + RefusedPorts.any());
      try (AgentApp app = AgentApp.start(AgentApp.sluiceAgentJar(), properties)) {
        String traceId = AbstractHttpClientIT.randomHex(16);
        AppAnswer answer =
            app.call(
                "jdk",
                "GET",
                downstream.url("/refused-name"),
                Map.of(
                    "traceparent",
                    "00-" + traceId + "-" + AbstractHttpClientIT.randomHex(8) + "-01"));
        assertThat(answer.status()).isEqualTo(200);
        assertThat(downstream.lastHeader("traceparent"))
            .as("the agent still instruments the app")
            .contains(traceId);
        assertThat(app.log())
            .contains("Sluice: invalid configuration, running without etcd or a rules file")
            .doesNotContain("OpenTelemetry Javaagent failed to start");
      }
    }
  }

  /**
   * A misspelled key is no key: the app ran without etcd, on built-in defaults, with nothing in its
   * log but "neither … is set". The agent names it, with the key meant, once.
   */
  @Test
  void aMisspelledSettingIsNamedWithTheKeyMeant() throws Exception {
    Map<String, String> properties = new HashMap<>(AgentApp.withoutExporters("it-typo"));
    properties.put("sluice.etcd.namespce", "/prod");
    try (AgentApp app =
        AgentApp.startWithEnvironment(
            AgentApp.sluiceAgentJar(),
            properties,
            Map.of("SLUICE_ETCD_ENDPOINT", "http://127.0.0.1:2379"))) {
      assertThat(app.healthy()).isTrue();
      String warning =
          "unknown Sluice settings, ignored: SLUICE_ETCD_ENDPOINT (environment variable; did you"
              + " mean SLUICE_ETCD_ENDPOINTS?), sluice.etcd.namespce (system property; did you mean"
              + " sluice.etcd.namespace?)";
      assertThat(app.log()).contains(warning);
      assertThat(app.log().split(java.util.regex.Pattern.quote(warning), -1)).hasSize(2);
    }
  }

  @Test
  void aRefusedEnvironmentVariableIsNamedAsTheVariableNotAsTheSystemProperty() throws Exception {
    // a user who set SLUICE_ETCD_ENDPOINTS and read sluice.etcd.endpoints grepped the JVM's flags
    Map<String, String> properties = AgentApp.withoutExporters("it-env");
    try (AgentApp app =
        AgentApp.startWithEnvironment(
            AgentApp.sluiceAgentJar(), properties, Map.of("SLUICE_ETCD_ENDPOINTS", "foo"))) {
      assertThat(app.healthy()).isTrue();
      assertThat(app.log())
          .contains(
              "Sluice: invalid configuration, running without etcd or a rules file: invalid"
                  + " Sluice configuration:\n  - environment variable SLUICE_ETCD_ENDPOINTS=foo:"
                  + " needs a scheme: write http://foo (https:// for TLS)")
          .doesNotContain("sluice.etcd.endpoints=foo");
    }
  }

  /**
   * A TLS file is read when the etcd client is made, after the configuration was accepted: one set
   * by its environment variable was named {@code sluice.etcd.tls.ca-file=…}, a flag the user never
   * passed. Without a client there is no etcd, so the rules file set there runs (it was called
   * ignored, etcd winning, and the last-known-good rules or the defaults ran), said in that line
   * and named as its variable.
   */
  @Test
  void aTlsFileFromTheEnvironmentThatCannotBeReadIsNamedAsTheVariable(@TempDir Path dir)
      throws Exception {
    Path missing = dir.resolve("no-such-ca.pem");
    Path rules = Files.writeString(dir.resolve("rules.json"), Rules.document("it-env-tls"));
    Map<String, String> properties = AgentApp.withoutExporters("it-env-tls");
    properties.put("sluice.state.dir", dir.resolve("state").toString());
    try (AgentApp app =
        AgentApp.startWithEnvironment(
            AgentApp.sluiceAgentJar(),
            properties,
            Map.of(
                "SLUICE_ETCD_ENDPOINTS",
                "https://127.0.0.1:" + RefusedPorts.any(),
                "SLUICE_ETCD_TLS_CA_FILE",
                missing.toString(),
                "SLUICE_RULES_FILE",
                rules.toString()))) {
      await("the TLS file is refused")
          .atMost(Duration.ofSeconds(60))
          .until(() -> app.log().contains("could not set up TLS for etcd"));
      // without a client there is no etcd: the rules file runs, as for a refused configuration
      await("the rules file is applied")
          .atMost(Duration.ofSeconds(60))
          .until(() -> app.log().contains("applied the rules file " + rules));
      assertThat(app.log())
          .contains(
              "Sluice: could not set up TLS for etcd: environment variable"
                  + " SLUICE_ETCD_TLS_CA_FILE="
                  + missing
                  + ": no such file; running without etcd, on the rules file environment"
                  + " variable SLUICE_RULES_FILE="
                  + rules
                  + ", until the files can be used (read again every 5 s)")
          .doesNotContain("sluice.etcd.tls.ca-file=")
          .doesNotContain("is ignored: environment variable SLUICE_ETCD_ENDPOINTS is set")
          .doesNotContain("sluice.rules.file=")
          // no client, no etcd: the start line said "rules for 'it-env-tls' from etcd" first
          .doesNotContain("from etcd");
      assertThat(app.healthy()).isTrue();
      // the file source's lines about a problem with the file name the variable too
      Files.writeString(rules, "{}");
      await("the broken rules file is rejected")
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  app.log()
                      .contains(
                          "rejected the rules file "
                              + rules
                              + " (environment variable SLUICE_RULES_FILE); the rules in force"
                              + " stay"));
    }
  }

  @Test
  void aRefusedServiceNameFromTheResourceAttributesIsNamedWhereItWasSet() throws Exception {
    // the user set no otel.service.name, and looked for it in vain
    Map<String, String> properties = AgentApp.withoutExporters("unused");
    properties.remove("otel.service.name");
    // a '/' is refused with etcd only, whose keys it would split
    properties.put("sluice.etcd.endpoints", "http://127.0.0.1:" + RefusedPorts.any());
    try (AgentApp app =
        AgentApp.startWithEnvironment(
            AgentApp.sluiceAgentJar(),
            properties,
            Map.of("OTEL_RESOURCE_ATTRIBUTES", "service.name=team/orders"))) {
      assertThat(app.healthy()).isTrue();
      assertThat(app.log())
          .contains(
              "Sluice: invalid configuration, running without etcd or a rules file: invalid"
                  + " Sluice configuration:\n  - environment variable OTEL_RESOURCE_ATTRIBUTES"
                  + " entry service.name=team/orders: has a '/', refused because")
          .doesNotContain("otel.service.name=");
    }
  }

  @Test
  void theBundledEtcdClientsRetriesStayOutOfTheAppsLog(@TempDir Path stateDir) throws Exception {
    int refused = RefusedPorts.any();
    Map<String, String> properties = AgentApp.withoutExporters("it-quiet");
    properties.put("sluice.etcd.endpoints", "http://127.0.0.1:" + refused);
    properties.put("sluice.state.dir", stateDir.toString());
    try (AgentApp app = AgentApp.start(AgentApp.sluiceAgentJar(), properties)) {
      // the status write fails only after the etcd client gave up its own retries (and logged).
      // The rule source warns on its own schedule: after a first read that timed out it only says
      // so quietly and warns at the next failure, which may come after the status write's.
      await("the status write fails and the rule source warns")
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  app.log().contains("could not write the agent status")
                      && app.log().contains("etcd is unreachable for the rules of it-quiet"));
      assertThat(app.log())
          .doesNotContain("io.sluice.shaded")
          .contains("nothing listens at http://127.0.0.1:" + refused + ": start etcd there");
    }
  }

  /**
   * An etcd whose proxy's name does not resolve: gRPC fails every resolution of the channel's name
   * and its {@code ManagedChannelImpl} logs {@code Failed to resolve name} with a stack trace at
   * each (several a second at first), and jetcd its lease retries. Sluice says it once, in its own
   * words, for as long as the rule source retries.
   */
  @Test
  void etcdWhoseNameCannotBeResolvedIsSaidOnceNotAtEveryRetry(@TempDir Path stateDir)
      throws Exception {
    String service = "it-unresolved";
    Map<String, String> properties = AgentApp.withoutExporters(service);
    properties.put("sluice.etcd.endpoints", "http://127.0.0.1:" + RefusedPorts.any());
    properties.put("sluice.state.dir", stateDir.toString());
    // every endpoint goes through a proxy whose name does not resolve (no network needed)
    properties.put("https.proxyHost", "no-such-proxy.invalid");
    properties.put("https.proxyPort", "3128");
    properties.put("http.nonProxyHosts", "");
    // the rule source's quiet line at each retry, to wait on
    properties.put(
        "io.opentelemetry.javaagent.slf4j.simpleLogger.log.io.sluice.sdk.source.EtcdRuleSource",
        "debug");
    String retried = "etcd is still unreachable for the rules of " + service;
    try (AgentApp app = AgentApp.start(AgentApp.sluiceAgentJar(), properties)) {
      await("the rule source retries several times")
          .atMost(Duration.ofSeconds(60))
          .until(() -> app.log().split(retried, -1).length > 4);
      String log = app.log();
      assertThat(log.split("etcd is unreachable for the rules of " + service, -1))
          .as("the outage said once")
          .hasSize(2);
      assertThat(log)
          .as("the outage warning names the proxy that cannot be looked up")
          .contains(
              "etcd is unreachable for the rules of "
                  + service
                  + " (cannot look up the proxy for etcd endpoint");
      assertThat(log)
          .as("the resolver leaves saying it to the rule source's one warning")
          .doesNotContain("Sluice cannot look up the proxy");
      assertThat(log)
          .doesNotContain("Failed to resolve name")
          .doesNotContain("io.sluice.shaded")
          .doesNotContain("\tat ");
      assertThat(app.healthy()).isTrue();
    }
  }

  /**
   * With {@code otel.javaagent.logging=application} the agent hands its logs, the bundled
   * libraries' among them, to the app's logging (here SLF4J to java.util.logging, found once the
   * app's Apache client first logs), where the agent's level for {@code io.sluice.shaded} never
   * applied: gRPC's {@code Failed to resolve name} came at every retry, with its whole status, and
   * jetcd's lease retries too. Sluice's own lines still come, at the levels the app's logging sets.
   */
  @Test
  void withApplicationLoggingTheBundledLibrariesRetriesStayOutOfTheAppsLog(@TempDir Path dir)
      throws Exception {
    String service = "it-app-logging";
    Path logging =
        java.nio.file.Files.writeString(
            dir.resolve("logging.properties"),
            String.join(
                "\n",
                "handlers=java.util.logging.ConsoleHandler",
                "java.util.logging.ConsoleHandler.level=ALL",
                ".level=INFO",
                // the rule source's quiet line at each retry, to wait on
                "io.sluice.sdk.source.EtcdRuleSource.level=FINE"));
    Map<String, String> properties = AgentApp.withoutExporters(service);
    properties.put("otel.javaagent.logging", "application");
    properties.put("java.util.logging.config.file", logging.toString());
    properties.put("sluice.etcd.endpoints", "http://127.0.0.1:" + RefusedPorts.any());
    properties.put("sluice.state.dir", dir.resolve("state").toString());
    // every endpoint goes through a proxy whose name does not resolve (no network needed)
    properties.put("https.proxyHost", "no-such-proxy.invalid");
    properties.put("https.proxyPort", "3128");
    properties.put("http.nonProxyHosts", "");
    String retried = "etcd is still unreachable for the rules of " + service;
    try (AgentApp app = AgentApp.start(AgentApp.sluiceAgentJar(), properties)) {
      // the app's first use of SLF4J: the agent finds the app's logging there
      app.call("apache", "GET", "http://127.0.0.1:" + RefusedPorts.any() + "/", Map.of());
      await("the rule source retries several times, said in the app's log")
          .atMost(Duration.ofSeconds(90))
          .until(() -> app.log().split(retried, -1).length > 4);
      String log = app.log();
      assertThat(log.split("etcd is unreachable for the rules of " + service, -1))
          .as("Sluice's own warning, once")
          .hasSize(2);
      assertThat(log)
          .as("gRPC's and jetcd's retries")
          .doesNotContain("Failed to resolve name")
          .doesNotContain("io.sluice.shaded");
    }
  }

  /**
   * The documented way to see the bundled libraries' logs: the agent's logger level for {@code
   * io.sluice.shaded}, which Sluice sets to {@code error} only when the app did not set it.
   */
  @Test
  void theBundledLibrariesLogAtTheLevelTheAppSets(@TempDir Path stateDir) throws Exception {
    int refused = RefusedPorts.any();
    Map<String, String> properties = AgentApp.withoutExporters("it-verbose");
    properties.put("sluice.etcd.endpoints", "http://127.0.0.1:" + refused);
    properties.put("sluice.state.dir", stateDir.toString());
    properties.put("io.opentelemetry.javaagent.slf4j.simpleLogger.log.io.sluice.shaded", "info");
    try (AgentApp app = AgentApp.start(AgentApp.sluiceAgentJar(), properties)) {
      // the etcd client's retry warnings, which Sluice's default level (error) keeps out
      await("the bundled etcd client logs its failed retries")
          .atMost(Duration.ofSeconds(60))
          .until(() -> app.log().contains("WARN io.sluice.shaded.io.etcd."));
      assertThat(app.log()).as("nothing below info").doesNotContain("DEBUG io.sluice.shaded.");
    }
  }
}
