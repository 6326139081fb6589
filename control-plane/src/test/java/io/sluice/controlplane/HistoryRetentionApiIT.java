package io.sluice.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testing.etcd.EtcdExtension;
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

  @BeforeAll
  static void start() {
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
