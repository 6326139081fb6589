package io.sluice.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.PutOption;
import io.sluice.rules.wire.AgentStatus;
import io.sluice.testing.etcd.EtcdExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * The services list says of every service what its rollout says: the document its agents run and
 * how many of them run its current revision, run a revision above it, or run a local rules file.
 */
class ServicesListIT {

  @RegisterExtension static final EtcdExtension etcd = new EtcdExtension();

  static RunningControlPlane controlPlane;
  static Client jetcd;

  @BeforeAll
  static void start() {
    jetcd = Client.builder().endpoints(etcd.endpoint()).build();
    controlPlane =
        RunningControlPlane.start(
            Map.of(
                "sluice.etcd.endpoints",
                etcd.endpoint(),
                "sluice.security.tokens.writer.token",
                ControlPlaneApiIT.WRITER,
                "sluice.security.tokens.writer.role",
                "writer"));
  }

  @AfterAll
  static void stop() {
    if (controlPlane != null) {
      controlPlane.close();
    }
    jetcd.close();
  }

  /**
   * A key under a name no document can have ({@code Orders API}, written around the API with
   * etcdctl) is no document of that service's: its agents run {@code _default}, as its rollout, its
   * {@code GET …/rules} (404, {@code canHaveOwnDocument: false}) and {@code _default}'s row say.
   * Its row said it had a document of its own at that key's revision, and counted its agents, all
   * on {@code _default}'s current revision, as older.
   */
  @Test
  void aKeyUnderANameThatCanHaveNoDocumentIsNotTheServicesOwnDocument() throws Exception {
    ApiClient api = controlPlane.api();
    String service = "Orders API";
    long defaultRevision = storeDefault(api);
    jetcd
        .getKVClient()
        .put(bytes("/sluice/v1/rules/" + service), bytes("{\"schemaVersion\": 1}"))
        .get(5, TimeUnit.SECONDS);
    long lease = jetcd.getLeaseClient().grant(120).get(5, TimeUnit.SECONDS).getID();
    try {
      LeasedStatuses.put(jetcd, lease, onDefault(service, defaultRevision));
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> row(api, service) != null && row(api, service).get("agents") != null);

      JsonNode rollout =
          api.get("/api/v1/services/Orders%20API/rollout", ControlPlaneApiIT.WRITER).json();
      assertThat(rollout.get("source").asString()).isEqualTo("_default");
      assertThat(rollout.get("current")).hasSize(1);
      JsonNode row = row(api, service);
      assertThat(row.get("revision").isNull()).as("revision of %s", row).isTrue();
      assertThat(row.get("source").asString()).isEqualTo("_default");
      assertThat(row.get("effectiveRevision").asLong()).isEqualTo(defaultRevision);
      assertThat(row.get("agents").get("total").asInt()).isEqualTo(1);
      assertThat(row.get("agents").get("current").asInt()).isEqualTo(1);
      assertThat(row.get("agents").get("older").asInt()).isZero();
    } finally {
      jetcd.getLeaseClient().revoke(lease).get(5, TimeUnit.SECONDS);
    }
  }

  /**
   * An agent may report a service name with a {@code ;}, which a URL takes for the start of a
   * segment's parameters: such a service is addressed with the {@code ;} percent-encoded, as the
   * web UI sends every name; a raw {@code ;} is refused with a message that says so (it would
   * address the name before it).
   */
  @Test
  void aServiceNameWithASemicolonIsAddressedPercentEncoded() throws Exception {
    ApiClient api = controlPlane.api();
    String service = "orders;v2";
    long defaultRevision = storeDefault(api);
    long lease = jetcd.getLeaseClient().grant(120).get(5, TimeUnit.SECONDS).getID();
    try {
      LeasedStatuses.put(jetcd, lease, onDefault(service, defaultRevision));
      await().atMost(Duration.ofSeconds(20)).until(() -> row(api, service) != null);

      JsonNode rollout =
          api.get("/api/v1/services/orders%3Bv2/rollout", ControlPlaneApiIT.WRITER).json();
      assertThat(rollout.get("service").asString()).isEqualTo(service);
      assertThat(rollout.get("current")).hasSize(1);
      assertThat(rollout.get("current").get(0).get("service").asString()).isEqualTo(service);
      ApiClient.Answer unprotected =
          api.get("/api/v1/services/orders%3bv2/unprotected", ControlPlaneApiIT.WRITER);
      assertThat(unprotected.status()).isEqualTo(200);
      assertThat(unprotected.headers().firstValue("X-Sluice-Agents")).hasValue("1");
      ApiClient.Answer raw =
          api.get("/api/v1/services/orders;v2/rollout", ControlPlaneApiIT.WRITER);
      assertThat(raw.status()).isEqualTo(400);
      assertThat(raw.json().get("detail").asString()).contains("%3B");
    } finally {
      jetcd.getLeaseClient().revoke(lease).get(5, TimeUnit.SECONDS);
    }
  }

  /**
   * A status the control plane cannot read is counted in the rollout of the rules its agent runs,
   * as in the services list: for {@code _default}, those of the services without a document of
   * their own, not those of a service with one.
   */
  @Test
  void eachRolloutCountsTheUnreadableStatusesOfTheAgentsRunningItsRules() throws Exception {
    ApiClient api = controlPlane.api();
    storeDefault(api);
    assertThat(
            api.put(
                    "/api/v1/services/owns-rules/rules",
                    ControlPlaneApiIT.WRITER,
                    "{\"schemaVersion\": 1, \"sampling\": {\"defaultRatio\": 0.1}}",
                    Map.of())
                .status())
        .isEqualTo(200);
    long lease = jetcd.getLeaseClient().grant(120).get(5, TimeUnit.SECONDS).getID();
    try {
      for (String key :
          List.of("/sluice/v1/agents/falls-back/f-1", "/sluice/v1/agents/owns-rules/o-1")) {
        jetcd
            .getKVClient()
            .put(bytes(key), bytes("not a status"), PutOption.builder().withLeaseId(lease).build())
            .get(5, TimeUnit.SECONDS);
      }
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(
              () -> {
                assertThat(unreadableInRollout(api, "falls-back")).isEqualTo(1);
                assertThat(unreadableInRollout(api, "owns-rules")).isEqualTo(1);
                assertThat(unreadableInRollout(api, "_default")).isEqualTo(1);
              });
      for (JsonNode row : api.get("/api/v1/services", ControlPlaneApiIT.WRITER).json()) {
        String service = row.get("service").asString();
        if (List.of("falls-back", "owns-rules", "_default").contains(service)) {
          assertThat(row.get("unreadableAgents").asInt()).as(service).isEqualTo(1);
        }
      }
    } finally {
      jetcd.getLeaseClient().revoke(lease).get(5, TimeUnit.SECONDS);
    }
  }

  /**
   * Over the wire, as a script reads them: an agent on a local rules file (revision 0) is in the
   * rollout's {@code onRulesFile} and the row's {@code agents.onRulesFile}, not in {@code older};
   * an agent that kept its rules through a restore of etcd from an older backup, and with them a
   * rejection of a revision etcd no longer holds, is {@code ahead}, not {@code rejected}.
   */
  @Test
  void agentsOnARulesFileOrReportingARejectionEtcdLostAreNeitherOlderNorRejected()
      throws Exception {
    ApiClient api = controlPlane.api();
    String service = "rules-apart";
    ApiClient.Answer put =
        api.put(
            "/api/v1/services/" + service + "/rules",
            ControlPlaneApiIT.WRITER,
            "{\"schemaVersion\": 1, \"sampling\": {\"defaultRatio\": 0.5}}",
            Map.of());
    assertThat(put.status()).isEqualTo(200);
    long revision = put.json().get("revision").asLong();
    Instant now = Instant.now();
    AgentStatus onFile =
        new AgentStatus(
            "file-1", service, "h", 1, null, now, now, "file", 0, null, List.of(), List.of());
    AgentStatus keptThroughLoss =
        new AgentStatus(
            "kept-1",
            service,
            "h",
            2,
            null,
            now,
            now,
            "etcd",
            revision + 500,
            new AgentStatus.Rejection(revision + 600, List.of("$.sampling: lost")),
            List.of(),
            List.of());
    long lease = jetcd.getLeaseClient().grant(120).get(5, TimeUnit.SECONDS).getID();
    try {
      for (AgentStatus status : List.of(onFile, keptThroughLoss)) {
        LeasedStatuses.put(jetcd, lease, status);
      }
      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  row(api, service) != null
                      && row(api, service).get("agents").get("total").asInt() == 2);

      JsonNode rollout =
          api.get("/api/v1/services/" + service + "/rollout", ControlPlaneApiIT.WRITER).json();
      assertThat(rollout.get("onRulesFile")).hasSize(1);
      assertThat(rollout.get("onRulesFile").get(0).get("instanceId").asString())
          .isEqualTo("file-1");
      assertThat(rollout.get("ahead")).hasSize(1);
      assertThat(rollout.get("ahead").get(0).get("rejectedRevision").asLong())
          .isEqualTo(revision + 600);
      assertThat(rollout.get("older")).isEmpty();
      assertThat(rollout.get("rejected")).isEmpty();
      JsonNode counts = row(api, service).get("agents");
      assertThat(counts.get("onRulesFile").asInt()).isEqualTo(1);
      assertThat(counts.get("ahead").asInt()).isEqualTo(1);
      assertThat(counts.get("older").asInt()).isZero();
      assertThat(counts.get("rejected").asInt()).isZero();
      assertThat(counts.get("current").asInt()).isZero();
    } finally {
      jetcd.getLeaseClient().revoke(lease).get(5, TimeUnit.SECONDS);
    }
  }

  private static int unreadableInRollout(ApiClient api, String service) {
    return api.get("/api/v1/services/" + service + "/rollout", ControlPlaneApiIT.WRITER)
        .json()
        .get("unreadableAgents")
        .asInt();
  }

  /** Stores a {@code _default} document keeping half the traces; returns its revision. */
  private static long storeDefault(ApiClient api) {
    ApiClient.Answer stored =
        api.put(
            "/api/v1/services/_default/rules",
            ControlPlaneApiIT.WRITER,
            "{\"schemaVersion\": 1, \"sampling\": {\"defaultRatio\": 0.5}}",
            Map.of());
    assertThat(stored.status()).isEqualTo(200);
    return stored.json().get("revision").asLong();
  }

  private static JsonNode row(ApiClient api, String service) {
    for (JsonNode row : api.get("/api/v1/services", ControlPlaneApiIT.WRITER).json()) {
      if (row.get("service").asString().equals(service)
          && row.get("agents").get("total").asInt() > 0) {
        return row;
      }
    }
    return null;
  }

  private static AgentStatus onDefault(String service, long revision) {
    Instant now = Instant.now();
    return new AgentStatus(
        "api-1",
        service,
        "api-host",
        1,
        new AgentStatus.Versions("0.1.0", "1.65.0", "17"),
        now,
        now,
        "etcd",
        revision,
        null,
        List.of(),
        List.of());
  }

  private static ByteSequence bytes(String text) {
    return ByteSequence.from(text, StandardCharsets.UTF_8);
  }
}
