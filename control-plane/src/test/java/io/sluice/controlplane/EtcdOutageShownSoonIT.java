package io.sluice.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.testing.etcd.EtcdExtension;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * An etcd outage shows in health within seconds, not after {@code sluice.etcd.timeout}: health
 * reads etcd within {@code sluice.etcd.health-timeout} (1 s by default), and once it finds etcd
 * unreachable a read of the API fails within that too, instead of each waiting the full 5 s. Both
 * end when etcd is back.
 */
class EtcdOutageShownSoonIT {

  @RegisterExtension static final EtcdExtension etcd = new EtcdExtension();

  private static final String RULES = "/api/v1/services/outage-soon/rules";

  /**
   * How soon health must say DOWN once etcd is stopped: the answer before the outage may stand 1 s
   * more ({@code EtcdHealthIndicator.FRESH}), then two reads in a row miss their 1 s deadline; with
   * a second to spare for a busy machine. Before, the one read waited the 5 s timeout.
   */
  private static final Duration SHOWN_WITHIN = Duration.ofSeconds(4);

  /**
   * How soon a read must answer 503 once health knows: within its 1 s deadline, with room for a
   * busy machine, and well below the 5 s it waited before.
   */
  private static final Duration READ_FAILS_WITHIN = Duration.ofMillis(2500);

  @Test
  void anOutageShowsWithinSecondsReadsThenFailSoonAndBothRecoverWhenEtcdIsBack() {
    try (RunningControlPlane controlPlane = startedWithRules()) {
      ApiClient api = controlPlane.api();
      await("etcd UP before the outage")
          .atMost(Duration.ofSeconds(30))
          .until(() -> "UP".equals(etcdStatus(api)));

      etcd.server().stop();
      try {
        await("health shows the outage")
            .atMost(SHOWN_WITHIN)
            .pollInterval(Duration.ofMillis(100))
            .until(() -> "DOWN".equals(etcdStatus(api)));
        assertThat(etcdHealth(api).get("details").get("error").asString())
            .as("health's read waited its own deadline, not sluice.etcd.timeout")
            .contains("did not answer within 1000 ms");

        await("a read answers 503 within health's deadline")
            .atMost(READ_FAILS_WITHIN)
            .until(() -> api.get(RULES, ControlPlaneLifecycleIT.WRITER).status() == 503);
      } finally {
        etcd.server().start();
      }

      await("health shows etcd back")
          .atMost(Duration.ofSeconds(30))
          .until(() -> "UP".equals(etcdStatus(api)));
      ApiClient.Answer read = api.get(RULES, ControlPlaneLifecycleIT.WRITER);
      assertThat(read.status()).as(read.body()).isEqualTo(200);
      assertThat(read.body()).contains("soon-rule");
    }
  }

  /**
   * A write while health finds etcd unreachable waits the full {@code sluice.etcd.timeout} (5 s),
   * the read of the rules it replaces included, as the README says writes do: an etcd slower than
   * health's deadline (here frozen for 2 s more) still gets it stored. That read was cut to the 1 s
   * of health's deadline, and the write answered 503, nothing changed, however often it was tried.
   */
  @Test
  void aWriteWhileHealthFindsEtcdUnreachableWaitsTheFullTimeout() throws Exception {
    try (RunningControlPlane controlPlane = startedWithRules()) {
      ApiClient api = controlPlane.api();
      await("etcd UP before it stalls")
          .atMost(Duration.ofSeconds(30))
          .until(() -> "UP".equals(etcdStatus(api)));

      etcd.server().freeze(); // connected, but answers nothing
      CompletableFuture<ApiClient.Answer> write;
      try {
        await("health finds etcd unreachable")
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(100))
            .until(() -> "DOWN".equals(etcdStatus(api)));
        write =
            CompletableFuture.supplyAsync(
                () ->
                    api.put(
                        RULES,
                        ControlPlaneLifecycleIT.WRITER,
                        document().replace("0.0", "0.25"),
                        Map.of()));
        await("the write still waits for etcd, past health's 1 s deadline")
            .pollDelay(Duration.ofSeconds(2))
            .atMost(Duration.ofSeconds(3))
            .until(() -> !write.isDone());
      } finally {
        etcd.server().thaw();
      }

      ApiClient.Answer stored = write.get(30, TimeUnit.SECONDS);
      assertThat(stored.status()).as(stored.body()).isEqualTo(200);
      assertThat(api.get(RULES, ControlPlaneLifecycleIT.WRITER).body()).contains("0.25");
    }
  }

  /** A control plane on the class's etcd, health showing details, with the test's rules stored. */
  private static RunningControlPlane startedWithRules() {
    RunningControlPlane controlPlane =
        RunningControlPlane.start(
            ControlPlaneLifecycleIT.withWriter(
                Map.of(
                    "sluice.etcd.endpoints",
                    etcd.endpoint(),
                    "management.endpoint.health.show-details",
                    "always")));
    try {
      ApiClient.Answer stored =
          controlPlane.api().put(RULES, ControlPlaneLifecycleIT.WRITER, document(), Map.of());
      assertThat(stored.status()).as(stored.body()).isEqualTo(200);
      return controlPlane;
    } catch (RuntimeException | AssertionError e) {
      controlPlane.close();
      throw e;
    }
  }

  private static JsonNode etcdHealth(ApiClient api) {
    return api.get("/actuator/health", null).json().get("components").get("etcd");
  }

  private static String etcdStatus(ApiClient api) {
    return etcdHealth(api).get("status").asString();
  }

  private static String document() {
    return """
        {"schemaVersion": 1,
         "sampling": {"defaultRatio": 0.5,
           "rules": [{"name": "soon-rule", "match": {"spanName": "GET /health*"}, "ratio": 0.0}]}}
        """;
  }
}
