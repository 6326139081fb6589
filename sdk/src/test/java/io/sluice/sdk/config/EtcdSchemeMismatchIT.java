package io.sluice.sdk.config;

import static io.sluice.sdk.source.TestDocuments.document;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.rules.wire.EtcdKeys;
import io.sluice.sdk.ActiveRules;
import io.sluice.sdk.ActiveRulesHolder;
import io.sluice.sdk.source.EtcdRuleSource;
import io.sluice.sdk.status.StatusReporter;
import io.sluice.testing.etcd.EtcdServer;
import io.sluice.testing.etcd.TestCertificates;
import io.sluice.testing.logging.LogCapture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Endpoints whose scheme does not match what etcd speaks, against real etcd processes, through
 * {@link ConfiguredRules} as the agent sets it up: an {@code https://} endpoint in front of a plain
 * etcd and an {@code http://} endpoint in front of an etcd that serves only TLS are logged by the
 * rule source and the status reporter as what they are, once; a stopped etcd and a TLS etcd that
 * refuses the client stay an outage and a refusal, without the hint.
 */
class EtcdSchemeMismatchIT {

  /** Generous: the first jetcd client of a JVM loads gRPC and Netty. */
  private static final Duration AWAIT = Duration.ofSeconds(30);

  /** How long a logged outage must stay one line while the retries go on. */
  private static final Duration ONE_LINE_DURING = Duration.ofSeconds(2);

  private static final String TLS_HINT = "uses TLS but etcd there does not seem to speak TLS";
  private static final String PLAIN_HINT = "uses plain text but etcd there seems to speak only TLS";
  private static final String NOTHING_LISTENS = "nothing listens at ";

  @TempDir static Path pki;
  @TempDir Path state;
  private static TestCertificates certificates;
  private static EtcdServer plainEtcd;
  private static EtcdServer tlsEtcd;
  private static EtcdServer stoppingEtcd;

  @BeforeAll
  static void startServers() {
    certificates = TestCertificates.issue(pki);
    plainEtcd = EtcdServer.fromPath();
    plainEtcd.start();
    tlsEtcd = EtcdServer.fromPath().withClientTls(certificates);
    tlsEtcd.start();
    stoppingEtcd = EtcdServer.fromPath();
    stoppingEtcd.start();
  }

  @AfterAll
  static void stopServers() {
    for (EtcdServer server : new EtcdServer[] {plainEtcd, tlsEtcd, stoppingEtcd}) {
      if (server != null) {
        server.close();
      }
    }
  }

  @Test
  void anHttpsEndpointInFrontOfAPlainEtcdIsSaidToBeOne() {
    String endpoint = plainEtcd.endpoint().replace("http://", "https://");
    String hint =
        "the endpoint "
            + endpoint
            + " uses TLS but etcd there does not seem to speak TLS (check sluice.etcd.endpoints:"
            + " http:// for plain etcd)";

    Logged logged = runAgainst("sluice.etcd.endpoints", endpoint);

    assertThat(logged.rules()).singleElement().asString().contains(hint);
    assertThat(logged.status()).singleElement().asString().contains(hint);
  }

  @Test
  void anHttpsEndpointWithCertificatesInFrontOfAPlainEtcdIsSaidToBeOne() {
    String endpoint = plainEtcd.endpoint().replace("http://", "https://");

    Logged logged =
        runAgainst(
            "sluice.etcd.endpoints", endpoint,
            "sluice.etcd.tls.ca-file", certificates.caCert().toString(),
            "sluice.etcd.tls.cert-file", certificates.clientCert().toString(),
            "sluice.etcd.tls.key-file", certificates.clientKey().toString());

    assertThat(logged.rules()).singleElement().asString().contains(TLS_HINT);
    assertThat(logged.status()).singleElement().asString().contains(TLS_HINT);
  }

  @Test
  void anHttpEndpointInFrontOfATlsOnlyEtcdIsSaidToBeOne() {
    String endpoint = tlsEtcd.tlsEndpoint().replace("https://", "http://");
    String hint =
        "the endpoint "
            + endpoint
            + " uses plain text but etcd there seems to speak only TLS (check"
            + " sluice.etcd.endpoints: https:// for etcd with TLS, with sluice.etcd.tls.* as it"
            + " needs)";

    Logged logged = runAgainst("sluice.etcd.endpoints", endpoint);

    assertThat(logged.rules()).singleElement().asString().contains(hint);
    assertThat(logged.status()).singleElement().asString().contains(hint);
  }

  @Test
  void aTlsEtcdThatRefusesTheClientIsNoMismatch() {
    // no client certificate: etcd speaks TLS and refuses the handshake, which is not a wrong scheme
    Logged logged =
        runAgainst(
            "sluice.etcd.endpoints", tlsEtcd.tlsEndpoint(),
            "sluice.etcd.tls.ca-file", certificates.caCert().toString());

    assertThat(logged.rules()).singleElement().asString().doesNotContain(TLS_HINT);
    assertThat(logged.status()).singleElement().asString().doesNotContain(TLS_HINT);
  }

  @Test
  void aStoppedEtcdIsAnOutageWhereNothingListensIsSaidSo() throws Exception {
    // an agent that had etcd and loses it
    long revision = stoppingEtcd.put(EtcdKeys.defaults().rules("orders"), document("orders", 0.5));
    ActiveRulesHolder holder = new ActiveRulesHolder(ActiveRules.defaults("orders"));
    try (LogCapture rules = LogCapture.of(EtcdRuleSource.class);
        ConfiguredRules agent =
            ConfiguredRules.builder(
                    config("sluice.etcd.endpoints", stoppingEtcd.endpoint()), holder)
                .build()) {
      agent.start();
      await().atMost(AWAIT).until(() -> holder.current().revision() == revision);
      stoppingEtcd.stop();
      await().atMost(AWAIT).until(() -> !outageLines(rules).isEmpty());
      assertThat(outageLines(rules))
          .singleElement()
          .asString()
          .doesNotContain(TLS_HINT)
          .doesNotContain(PLAIN_HINT)
          .doesNotContain("nothing listens");
    }

    // agents that never had it, with either scheme: nothing listens there, which they say, with
    // the endpoint and what to do
    String http = stoppingEtcd.endpoint();
    for (String endpoint : List.of(http, http.replace("http://", "https://"))) {
      Logged logged = runAgainst("sluice.etcd.endpoints", endpoint);
      assertThat(logged.rules())
          .as(endpoint)
          .singleElement()
          .asString()
          .contains("Connection refused")
          .contains(NOTHING_LISTENS + endpoint + ": start etcd there")
          .doesNotContain(TLS_HINT)
          .doesNotContain(PLAIN_HINT);
      assertThat(logged.status())
          .as(endpoint)
          .singleElement()
          .asString()
          .contains(NOTHING_LISTENS + endpoint + ": start etcd there")
          .doesNotContain(TLS_HINT)
          .doesNotContain(PLAIN_HINT);
    }
  }

  /** The warnings of the rule source and the status reporter, each as one line per outage. */
  private record Logged(List<String> rules, List<String> status) {}

  /**
   * Runs an agent configured by {@code keyValues} until both its rule source and its status
   * reporter have logged their failure, and for {@link #ONE_LINE_DURING} more of retries.
   */
  private Logged runAgainst(String... keyValues) {
    ActiveRulesHolder holder = new ActiveRulesHolder(ActiveRules.defaults("orders"));
    try (LogCapture rules = LogCapture.of(EtcdRuleSource.class);
        LogCapture status = LogCapture.of(StatusReporter.class);
        ConfiguredRules agent = ConfiguredRules.builder(config(keyValues), holder).build()) {
      agent.start();
      await()
          .atMost(AWAIT)
          .until(() -> !outageLines(rules).isEmpty() && !failureLines(status).isEmpty());
      // retries go on, and say nothing more
      await()
          .during(ONE_LINE_DURING)
          .atMost(ONE_LINE_DURING.plus(AWAIT))
          .until(() -> outageLines(rules).size() == 1 && failureLines(status).size() == 1);
      return new Logged(outageLines(rules), failureLines(status));
    }
  }

  private static List<String> outageLines(LogCapture log) {
    return warnings(log).stream()
        .filter(m -> m.startsWith("etcd is unreachable") || m.startsWith("etcd refuses"))
        .toList();
  }

  private static List<String> failureLines(LogCapture log) {
    return warnings(log).stream().filter(m -> m.startsWith("could not write")).toList();
  }

  private static List<String> warnings(LogCapture log) {
    return log.records().stream()
        .filter(r -> r.getLevel() == Level.WARNING)
        .map(LogRecord::getMessage)
        .toList();
  }

  private SluiceConfig config(String... keyValues) {
    Map<String, String> properties = new LinkedHashMap<>();
    properties.put("otel.service.name", "orders");
    properties.put("sluice.state.dir", state.toString());
    for (int i = 0; i < keyValues.length; i += 2) {
      properties.put(keyValues[i], keyValues[i + 1]);
    }
    return SluiceConfig.fromProperties(properties::get);
  }
}
