package io.sluice.rules.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AgentStatusCodecTest {

  private static final AgentStatus STATUS =
      new AgentStatus(
          "orders-1a2b",
          "orders",
          "host-1",
          4242,
          new AgentStatus.Versions("0.1.0", "1.65.0", "17.0.12"),
          Instant.parse("2026-11-24T01:02:03.456Z"),
          Instant.parse("2026-11-24T01:05:00Z"),
          "etcd",
          1234,
          new AgentStatus.Rejection(1240, List.of("$.breakers[0].name: is required")),
          List.of(
              new AgentStatus.BreakerState("payments", "payments:8080", "OPEN", 62.5, -1, false)),
          List.of(
              new AgentStatus.TargetStats("payments:8080", 600, 375, 12.5, "payments", 40L, 5L),
              new AgentStatus.TargetStats("db:5432", 60, 0, 1.0, null)));

  @Test
  void roundTrips() {
    byte[] json = AgentStatusCodec.write(STATUS).getBytes(StandardCharsets.UTF_8);

    assertThat(AgentStatusCodec.parse(json)).contains(STATUS);
  }

  @Test
  void saysWhyBytesAreNoStatusWithoutQuotingThem() {
    byte[] good = AgentStatusCodec.write(STATUS).getBytes(StandardCharsets.UTF_8);
    assertThat(AgentStatusCodec.whyUnreadable(good)).isNull();
    assertThat(AgentStatusCodec.whyUnreadable("null".getBytes(StandardCharsets.UTF_8)))
        .isEqualTo("it is JSON null");
    assertThat(AgentStatusCodec.whyUnreadable("{\"secret-ish\": ".getBytes(StandardCharsets.UTF_8)))
        .isNotBlank()
        .doesNotContain("secret-ish");
    assertThat(
            AgentStatusCodec.whyUnreadable(
                AgentStatusCodec.write(STATUS)
                    .replace("\"breakersOmitted\":0", "\"breakersOmitted\":-1")
                    .getBytes(StandardCharsets.UTF_8)))
        .contains("breakersOmitted=-1");
  }

  @Test
  void writesInstantsAsIsoStringsAndLeavesNullsOut() {
    String json = AgentStatusCodec.write(STATUS);

    assertThat(json).contains("\"startTime\":\"2026-11-24T01:02:03.456Z\"");
    assertThat(json).doesNotContain("null").doesNotContain("coveredBy\":null");
  }

  @Test
  void roundTripsAMinimalStatus() {
    AgentStatus minimal =
        new AgentStatus("i", "s", null, 0, null, null, null, "defaults", 0, null, null, null);

    AgentStatus read =
        AgentStatusCodec.parse(AgentStatusCodec.write(minimal).getBytes(StandardCharsets.UTF_8))
            .orElseThrow();

    assertThat(read).isEqualTo(minimal);
    assertThat(read.breakers()).isEmpty();
    assertThat(read.topTargets()).isEmpty();
  }

  @Test
  void ignoresFieldsItDoesNotKnow() {
    String json =
        """
        {"instanceId": "i", "service": "s", "pid": 7, "rulesSource": "file",
         "fromTheFuture": {"x": [1, 2]}, "versions": {"sluice": "9", "quantum": true},
         "breakers": [{"policy": "p", "key": "h:1", "state": "CLOSED", "failureRate": 1,
                       "slowCallRate": 2, "shadow": true, "extra": "y"}]}
        """;

    AgentStatus status =
        AgentStatusCodec.parse(json.getBytes(StandardCharsets.UTF_8)).orElseThrow();

    assertThat(status.pid()).isEqualTo(7);
    assertThat(status.versions().sluice()).isEqualTo("9");
    assertThat(status.breakers())
        .containsExactly(new AgentStatus.BreakerState("p", "h:1", "CLOSED", 1, 2, true));
  }

  @Test
  void readsTargetsOfAgentsThatDoNotCountUnguardedCallsAsUnknown() {
    String json =
        """
        {"instanceId": "i", "service": "s", "rulesSource": "etcd",
         "topTargets": [{"target": "db:5432", "callsPerMinute": 60, "errorsPerMinute": 1,
                         "p99Millis": 2.5, "coveredBy": "db"}]}
        """;

    AgentStatus status =
        AgentStatusCodec.parse(json.getBytes(StandardCharsets.UTF_8)).orElseThrow();

    assertThat(status.topTargets())
        .containsExactly(new AgentStatus.TargetStats("db:5432", 60, 1, 2.5, "db", null, null));
    assertThat(AgentStatusCodec.write(STATUS))
        .contains("\"unguardedCallsPerMinute\":40,\"unguardedErrorsPerMinute\":5");
  }

  /**
   * The calls a policy in shadow mode matched are written and read back; a status without them (an
   * agent older than the field) reads as not counted, which the control plane tells apart.
   */
  @Test
  void writesAndReadsBackTheCallsAPolicyInShadowModeMatched() {
    AgentStatus.TargetStats shadowed =
        new AgentStatus.TargetStats("payments:8080", 600, 6, 12.0, "pay", 40L, 5L, 30L);
    AgentStatus status =
        STATUS.withLists(STATUS.rejected(), STATUS.breakers(), 0, List.of(shadowed), 0);

    String json = AgentStatusCodec.write(status);

    assertThat(json).contains("\"shadowCallsPerMinute\":30");
    assertThat(AgentStatusCodec.parse(json.getBytes(StandardCharsets.UTF_8)))
        .hasValueSatisfying(read -> assertThat(read.topTargets()).containsExactly(shadowed));
    assertThat(AgentStatusCodec.write(STATUS)).doesNotContain("shadowCallsPerMinute");
  }

  /** A target no call completed to (all rejected) has no p99: left out, and read back as none. */
  @Test
  void leavesOutTheP99OfATargetNoCallCompletedToAndReadsItBackAsNone() {
    AgentStatus.TargetStats rejected =
        new AgentStatus.TargetStats("payments:8080", 600, 0, null, "payments", 0L, 0L);
    AgentStatus status =
        STATUS.withLists(STATUS.rejected(), STATUS.breakers(), 0, List.of(rejected), 0);

    String json = AgentStatusCodec.write(status);

    assertThat(json).contains("\"target\":\"payments:8080\"").doesNotContain("p99Millis");
    assertThat(AgentStatusCodec.parse(json.getBytes(StandardCharsets.UTF_8)))
        .hasValueSatisfying(read -> assertThat(read.topTargets()).containsExactly(rejected));
  }

  @Test
  void roundTripsOmittedCountsAndReadsThemAsZeroFromOlderAgents() {
    AgentStatus capped =
        STATUS.withLists(
            new AgentStatus.Rejection(1240, List.of("$.a: bad"), 950),
            STATUS.breakers(),
            14_800,
            STATUS.topTargets(),
            3);

    String json = AgentStatusCodec.write(capped);

    assertThat(json)
        .contains("\"breakersOmitted\":14800", "\"topTargetsOmitted\":3", "\"errorsOmitted\":950");
    assertThat(AgentStatusCodec.parse(json.getBytes(StandardCharsets.UTF_8))).contains(capped);
    String older =
        """
        {"instanceId": "i", "service": "s", "rulesSource": "etcd",
         "rejected": {"revision": 3, "errors": ["$.x: bad"]},
         "breakers": [{"policy": "p", "key": "h:1", "state": "OPEN"}]}
        """;
    AgentStatus read = AgentStatusCodec.parse(older.getBytes(StandardCharsets.UTF_8)).orElseThrow();
    assertThat(read.breakersOmitted()).isZero();
    assertThat(read.topTargetsOmitted()).isZero();
    assertThat(read.rejected().errorsOmitted()).isZero();
  }

  @Test
  void roundTripsBreakersByStateOrderedByStateAndReadsItAsNullFromOlderAgents() {
    Map<String, Integer> counts = new LinkedHashMap<>();
    counts.put("OPEN", 14_000);
    counts.put("CLOSED", 801);
    counts.put("HALF_OPEN", 3);
    AgentStatus counted = STATUS.withBreakersByState(counts);

    String json = AgentStatusCodec.write(counted);

    assertThat(json)
        .contains("\"breakersByState\":{\"CLOSED\":801,\"HALF_OPEN\":3,\"OPEN\":14000}");
    assertThat(AgentStatusCodec.parse(json.getBytes(StandardCharsets.UTF_8))).contains(counted);
    assertThat(counted.withLists(null, List.of(), 1, List.of(), 0).breakersByState())
        .isEqualTo(counts);
    assertThat(AgentStatusCodec.write(STATUS)).doesNotContain("breakersByState");
    assertThat(STATUS.breakersByState()).isNull();
  }

  @Test
  void roundTripsUnguardedClientsSortedByClientAndReadsThemAsNotToldFromOlderAgents() {
    AgentStatus told =
        STATUS
            .withBreakersByState(Map.of("OPEN", 1))
            .withUnguardedClients(
                List.of(
                    new AgentStatus.UnguardedClient(
                        "an OkHttp 3 client of a release before 3.12",
                        "Sluice guards OkHttp 3.12 and later"),
                    new AgentStatus.UnguardedClient("an Apache HttpClient 5 async client", null)));

    String json = AgentStatusCodec.write(told);

    assertThat(json)
        .contains(
            "\"unguardedClients\":[{\"client\":\"an Apache HttpClient 5 async client\"},"
                + "{\"client\":\"an OkHttp 3 client of a release before 3.12\","
                + "\"guarded\":\"Sluice guards OkHttp 3.12 and later\"}]");
    assertThat(AgentStatusCodec.parse(json.getBytes(StandardCharsets.UTF_8))).contains(told);
    // the withers keep them
    assertThat(told.withLists(null, List.of(), 0, List.of(), 0).unguardedClients())
        .isEqualTo(told.unguardedClients());
    assertThat(told.withBreakersByState(null).withUpdatedAt(null).unguardedClients())
        .isEqualTo(told.unguardedClients());
    // none is a statement; left out is not
    assertThat(AgentStatusCodec.write(STATUS.withUnguardedClients(List.of())))
        .contains("\"unguardedClients\":[]");
    assertThat(AgentStatusCodec.write(STATUS)).doesNotContain("unguardedClients");
    assertThat(STATUS.unguardedClients()).isNull();
  }

  /**
   * An entry that names no client is left out, not the whole status: the control plane would
   * otherwise count the agent unreadable and list it nowhere, for a notice.
   */
  @Test
  void readsPastAnUnguardedClientThatNamesNone() {
    String json =
        AgentStatusCodec.write(STATUS)
            .replaceFirst(
                "\\{",
                "{\"unguardedClients\":[{\"guarded\":\"x\"},null,"
                    + "{\"client\":\"a Jetty HttpClient\"}],");

    assertThat(AgentStatusCodec.whyUnreadable(json.getBytes(StandardCharsets.UTF_8))).isNull();
    assertThat(AgentStatusCodec.parse(json.getBytes(StandardCharsets.UTF_8)).orElseThrow())
        .extracting(AgentStatus::unguardedClients)
        .isEqualTo(List.of(new AgentStatus.UnguardedClient("a Jetty HttpClient", null)));
  }

  @Test
  void refusesANegativeBreakerCount() {
    String json =
        """
        {"instanceId": "i", "service": "s", "breakersByState": {"OPEN": -1}}
        """;

    assertThat(AgentStatusCodec.parse(json.getBytes(StandardCharsets.UTF_8))).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "not json",
        "[]",
        "{\"service\": \"s\"}",
        "{\"instanceId\": \"i\", \"service\": \"s\", \"startTime\": \"yesterday\"}",
        "{\"instanceId\": \"i\", \"service\": \"s\", \"pid\": \"many\"}",
        "null"
      })
  void answersEmptyForWhatIsNotAStatusNeverThrows(String json) {
    assertThat(AgentStatusCodec.parse(json.getBytes(StandardCharsets.UTF_8))).isEmpty();
  }

  @Test
  void answersEmptyForNull() {
    assertThat(AgentStatusCodec.parse(null)).isEmpty();
  }
}
