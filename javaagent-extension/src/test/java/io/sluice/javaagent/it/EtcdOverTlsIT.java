package io.sluice.javaagent.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.sluice.rules.wire.AgentStatus;
import io.sluice.rules.wire.EtcdKeys;
import io.sluice.testing.etcd.EtcdServer;
import io.sluice.testing.etcd.TestCertificates;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent reaching an etcd that serves only mutual TLS and has its authentication on, as a
 * production etcd would: the shaded and relocated gRPC, Netty and their SSL classes in the
 * extension jar are what carry this, and only this test runs them (the sdk's {@code EtcdSecurityIT}
 * runs the unshaded ones). The agent presents a client certificate the test's CA signed, trusts
 * that CA only, and logs in as a user that may only read the rules and write its own service's
 * status; the test writes as etcd's root user. That the agent reads a rule over this path is seen
 * in what it decides: a breaker policy the test writes there starts rejecting the app's calls to a
 * failing server, which went through before.
 */
class EtcdOverTlsIT {

  private static final String SERVICE = "orders-tls";
  private static final String AGENT_USER = "orders-tls-agent";
  private static final String AGENT_PASSWORD = "agent secret";
  private static final String ROOT_PASSWORD = "root-secret";
  private static final EtcdKeys KEYS = EtcdKeys.defaults();
  private static final String POLICY = "tls-breaker";

  @TempDir static Path pki;
  @TempDir static Path stateDir;

  private static EtcdServer etcd;
  private static Client root;
  private static EtcdStatus status;
  private static AgentApp app;
  private static Downstream downstream;
  private static long initialRevision;

  @BeforeAll
  static void startEtcdAndApp() throws Exception {
    downstream = Downstream.start();
    TestCertificates certificates = TestCertificates.issue(pki);
    etcd = EtcdServer.fromPath().withClientTls(certificates);
    etcd.start();
    // written before authentication is on, while the plain listener still takes anonymous puts
    initialRevision = etcd.put(KEYS.rules(SERVICE), Rules.sampling(SERVICE, 0.5, "[]"));
    etcd.addUser("root", ROOT_PASSWORD, "root");
    etcd.addReadOnlyPrefixRole("sluice-rules-reader", KEYS.rulesPrefix());
    etcd.addPrefixRole("sluice-status-orders-tls", KEYS.agentsPrefix(SERVICE));
    etcd.addUser(AGENT_USER, AGENT_PASSWORD, "sluice-rules-reader", "sluice-status-orders-tls");
    etcd.enableAuth();
    root =
        Client.builder()
            .endpoints(etcd.endpoint())
            .user(bytes("root"))
            .password(bytes(ROOT_PASSWORD))
            .build();
    status = new EtcdStatus(root);

    Map<String, String> properties = AgentApp.withoutExporters(SERVICE);
    properties.put("sluice.etcd.endpoints", etcd.tlsEndpoint());
    properties.put("sluice.etcd.tls.ca-file", certificates.caCert().toString());
    properties.put("sluice.etcd.tls.cert-file", certificates.clientCert().toString());
    properties.put("sluice.etcd.tls.key-file", certificates.clientKey().toString());
    properties.put("sluice.etcd.user", AGENT_USER);
    properties.put("sluice.state.dir", stateDir.toString());
    // the password as the README advises: out of the command line
    app =
        AgentApp.startWithEnvironment(
            AgentApp.sluiceAgentJar(), properties, Map.of("SLUICE_ETCD_PASSWORD", AGENT_PASSWORD));
  }

  @AfterAll
  static void stopEtcdAndApp() {
    if (app != null) {
      app.close();
    }
    if (status != null) {
      status.close(); // closes root too
    }
    if (etcd != null) {
      etcd.close();
    }
    if (downstream != null) {
      downstream.close();
    }
  }

  @Test
  void rulesArriveAndStatusIsWrittenOverMutualTlsWithUserAndPassword() throws Exception {
    status.awaitAgent(SERVICE, app);
    status.awaitApplied(SERVICE, initialRevision, app);
    downstream.answer(500);
    String url = downstream.url("/tls/orders");
    for (int i = 0; i < 6; i++) {
      AppAnswer answer = app.call("jdk", "GET", url, Map.of());
      assertThat(answer.failed())
          .as("call %d, with no breaker yet: %s", i, answer.error())
          .isFalse();
      assertThat(answer.status()).isEqualTo(500);
    }

    // written as root through the test harness, which logs in now that etcd refuses anonymous puts
    long revision =
        etcd.asUser("root", ROOT_PASSWORD)
            .put(
                KEYS.rules(SERVICE),
                Rules.document(
                    SERVICE,
                    Rules.breaker(
                        POLICY, downstream.port(), "/tls/**", "120s", Rules.ERROR, false)));
    status.awaitApplied(SERVICE, revision, app);

    AppAnswer rejected = callUntilRejected(url);
    assertThat(rejected.error()).contains("Sluice circuit breaker '" + POLICY + "'");
    int reached = downstream.requestCount();
    assertThat(app.call("jdk", "GET", url, Map.of()).error())
        .as("the open breaker keeps the next call in the app")
        .contains("Sluice circuit breaker '" + POLICY + "'");
    assertThat(downstream.requestCount()).isEqualTo(reached);

    AgentStatus current = status.of(SERVICE).orElseThrow();
    assertThat(current.appliedRevision()).isEqualTo(revision);
    assertThat(current.rejected()).isNull();
    assertThat(app.healthy()).isTrue();
    assertThat(app.log())
        .as("the shaded TLS path loads all it needs, and etcd takes the agent's login")
        .doesNotContain("NoClassDefFoundError")
        .doesNotContain("ClassNotFoundException")
        .doesNotContain("ServiceConfigurationError")
        .doesNotContain("LinkageError")
        .doesNotContain("etcd refuses")
        .doesNotContain("is unreachable")
        .doesNotContain(AGENT_PASSWORD);
  }

  /** Calls {@code url} (answered 500) until the breaker rejects a call; answers that call. */
  private static AppAnswer callUntilRejected(String url) {
    AtomicReference<AppAnswer> rejected = new AtomicReference<>();
    await("the breaker written over TLS opens after the failures")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              AppAnswer answer = app.call("jdk", "GET", url, Map.of());
              if (answer.failed()) {
                rejected.set(answer);
                return true;
              }
              assertThat(answer.status()).as(app.log()).isEqualTo(500);
              return false;
            });
    return rejected.get();
  }

  private static ByteSequence bytes(String text) {
    return ByteSequence.from(text, StandardCharsets.UTF_8);
  }
}
