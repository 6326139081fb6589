package io.sluice.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.testing.etcd.EtcdServer;
import io.sluice.testing.etcd.TestCertificates;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A control plane whose etcd never answered says what to fix, in its API's 503 answers and in
 * health, in the words the agent uses: endpoints of the wrong scheme ({@code https://} in front of
 * a plain etcd, {@code http://} in front of one that serves only TLS), or nothing listening there.
 * Its calls wait for a connection until their deadline, so all three said only "etcd did not answer
 * within … ms", as an outage to wait out. Once etcd has answered, an outage says nothing of the
 * kind. Against real etcd processes, with a real control plane.
 */
class EtcdFirstContactIT {

  private static final String RULES = "/api/v1/services/checkout/rules";

  @TempDir static Path pki;
  private static EtcdServer plainEtcd;
  private static EtcdServer tlsEtcd;

  @BeforeAll
  static void startServers() {
    plainEtcd = EtcdServer.fromPath();
    plainEtcd.start();
    tlsEtcd = EtcdServer.fromPath().withClientTls(TestCertificates.issue(pki));
    tlsEtcd.start();
  }

  @AfterAll
  static void stopServers() {
    for (EtcdServer server : new EtcdServer[] {plainEtcd, tlsEtcd}) {
      if (server != null) {
        server.close();
      }
    }
  }

  @Test
  void anHttpsEndpointInFrontOfAPlainEtcdIsSaidToBeOne() {
    String endpoint = plainEtcd.endpoint().replace("http://", "https://");
    try (RunningControlPlane controlPlane = start(endpoint)) {
      assertSays(
          controlPlane,
          "the endpoint "
              + endpoint
              + " uses TLS but etcd there does not seem to speak TLS (check"
              + " sluice.etcd.endpoints: http:// for plain etcd)");
    }
  }

  @Test
  void anHttpEndpointInFrontOfAnEtcdServingOnlyTlsIsSaidToBeOne() {
    String endpoint = tlsEtcd.tlsEndpoint().replace("https://", "http://");
    try (RunningControlPlane controlPlane = start(endpoint)) {
      assertSays(
          controlPlane,
          "the endpoint "
              + endpoint
              + " uses plain text but etcd there seems to speak only TLS (check"
              + " sluice.etcd.endpoints: https:// for etcd with TLS, with sluice.etcd.tls.* as it"
              + " needs)");
    }
  }

  /**
   * Nothing listening is said as such until etcd first answers; an outage after that is an outage,
   * without the hint.
   */
  @Test
  void nothingListeningIsSaidUntilEtcdFirstAnswers() {
    try (EtcdServer later = EtcdServer.fromPath()) {
      later.start(); // for its ports, kept across a stop
      later.stop();
      try (RunningControlPlane controlPlane = start(later.endpoint())) {
        assertSays(
            controlPlane,
            "nothing listens at "
                + later.endpoint()
                + ": start etcd there, or set sluice.etcd.endpoints to where it runs");

        later.start();
        await("etcd read")
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(200))
            .until(
                () -> controlPlane.api().get(RULES, ControlPlaneLifecycleIT.WRITER).status(),
                s -> s != 503);
        later.stop();
        ApiClient.Answer down = controlPlane.api().get(RULES, ControlPlaneLifecycleIT.WRITER);
        assertThat(down.status()).isEqualTo(503);
        assertThat(down.json().get("detail").asString())
            .isEqualTo("etcd is unavailable or did not answer in time. Try again shortly.");
      }
    }
  }

  /**
   * The API's 503 and health's etcd component both say {@code hint}; so does the 503 of a call
   * answered from a mirror not read yet (the live agents), which said only that it was not read.
   */
  private static void assertSays(RunningControlPlane controlPlane, String hint) {
    await("the agents' mirror failed to read")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> {
              ApiClient.Answer agents =
                  controlPlane.api().get("/api/v1/agents", ControlPlaneLifecycleIT.WRITER);
              assertThat(agents.status()).isEqualTo(503);
              assertThat(agents.json().get("detail").asString())
                  .isEqualTo(
                      "the live agents have not been read from etcd yet (/actuator/health shows"
                          + " which part is behind, the log says why). Try again shortly. etcd has"
                          + " not answered since the control plane started: "
                          + hint
                          + ".");
            });
    ApiClient.Answer read = controlPlane.api().get(RULES, ControlPlaneLifecycleIT.WRITER);
    assertThat(read.status()).isEqualTo(503);
    assertThat(read.json().get("detail").asString())
        .isEqualTo(
            "etcd is unavailable or did not answer in time. Try again shortly. etcd has not"
                + " answered since the control plane started: "
                + hint
                + ".");
    ApiClient.Answer health = controlPlane.api().get("/actuator/health", null);
    assertThat(health.status()).isEqualTo(503);
    assertThat(health.json().get("components").get("etcd").get("details").get("error").asString())
        .endsWith("): " + hint);
  }

  /** A control plane of {@code endpoints}, with a 2 s etcd deadline and health's details shown. */
  private static RunningControlPlane start(String endpoints) {
    return RunningControlPlane.start(
        ControlPlaneLifecycleIT.withWriter(
            Map.of(
                "sluice.etcd.endpoints",
                endpoints,
                "sluice.etcd.timeout",
                "2s",
                "management.endpoint.health.show-details",
                "always")));
  }
}
