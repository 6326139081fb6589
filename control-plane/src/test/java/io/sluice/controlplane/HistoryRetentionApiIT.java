package io.sluice.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.rules.wire.EtcdKeys;
import io.sluice.testing.etcd.EtcdExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * {@code sluice.history.max-entries-per-service} reaches the store through the application's
 * configuration: the API's history holds the newest entries, and an entry deleted for being older
 * is gone from the history, its page, and what a rollback can go back to.
 */
class HistoryRetentionApiIT {

  @RegisterExtension static final EtcdExtension etcd = new EtcdExtension();

  static RunningControlPlane controlPlane;

  /** History of a service whose rules no one writes: kept from before the bound. */
  private static final String IDLE = "archive";

  @BeforeAll
  static void start() {
    for (long revision = 1; revision <= 4; revision++) {
      etcd.server().put(EtcdKeys.defaults().history(IDLE, revision), "{}");
    }
    controlPlane =
        RunningControlPlane.start(
            Map.of(
                "sluice.etcd.endpoints",
                etcd.endpoint(),
                "sluice.security.tokens.writer.token",
                ControlPlaneApiIT.WRITER,
                "sluice.security.tokens.writer.role",
                "writer",
                "sluice.history.max-entries-per-service",
                "2"));
  }

  @AfterAll
  static void stop() {
    if (controlPlane != null) {
      controlPlane.close();
    }
  }

  /**
   * A service whose rules are not written after the start keeps no more than the bound either: the
   * start sweeps every service's history.
   */
  @Test
  void aServiceWhoseRulesAreNotWrittenIsBroughtDownToTheBoundAtStart() {
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(idleEntries()).containsExactly(false, false, true, true));
  }

  /** Whether each of the idle service's entries, revisions 1 to 4, is still there. */
  private static List<Boolean> idleEntries() {
    List<Boolean> kept = new ArrayList<>();
    for (long revision = 1; revision <= 4; revision++) {
      kept.add(etcd.server().get(EtcdKeys.defaults().history(IDLE, revision)).isPresent());
    }
    return kept;
  }

  @Test
  void theHistoryKeepsTheNewestEntriesOfAService() {
    ApiClient api = controlPlane.api();
    List<Long> revisions = new ArrayList<>();
    for (double ratio : new double[] {0.1, 0.2, 0.3}) {
      ApiClient.Answer put =
          api.put(
              "/api/v1/services/orders/rules",
              ControlPlaneApiIT.WRITER,
              "{\"schemaVersion\": 1, \"sampling\": {\"defaultRatio\": " + ratio + "}}",
              Map.of());
      assertThat(put.status()).as(put.body()).isEqualTo(200);
      revisions.add(put.json().get("revision").asLong());
    }

    JsonNode history =
        api.get("/api/v1/services/orders/rules/history", ControlPlaneApiIT.WRITER).json();
    List<Long> listed = new ArrayList<>();
    history.get("entries").forEach(entry -> listed.add(entry.get("revision").asLong()));
    assertThat(listed).containsExactly(revisions.get(2), revisions.get(1));
    assertThat(history.get("next").isNull()).isTrue();

    String oldest = "/api/v1/services/orders/rules/history/" + revisions.get(0);
    ApiClient.Answer gone = api.get(oldest, ControlPlaneApiIT.WRITER);
    assertThat(gone.status()).isEqualTo(404);
    assertThat(gone.json().get("detail").asText())
        .as("says why an entry may be missing")
        .isEqualTo(
            "no history entry of orders at revision "
                + revisions.get(0)
                + " (the history keeps the newest 2 entries of each service:"
                + " sluice.history.max-entries-per-service)");
    ApiClient.Answer rollback =
        api.post(
            "/api/v1/services/orders/rules/rollback?to=" + revisions.get(0),
            ControlPlaneApiIT.WRITER,
            null);
    assertThat(rollback.status()).as(rollback.body()).isEqualTo(404);
  }
}
