package io.sluice.sdk.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.rules.wire.AgentStatus;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class StatusChangeTest {

  private static final AgentStatus.BreakerState BREAKER =
      new AgentStatus.BreakerState("payments", "payments:8080", "CLOSED", 20, 5, false);
  private static final AgentStatus.TargetStats TARGET =
      new AgentStatus.TargetStats("payments:8080", 1200, 60, 230.0, "payments", 40L, 2L, 0L);
  private static final AgentStatus WRITTEN =
      new AgentStatus(
          "i",
          "orders",
          "host",
          7,
          new AgentStatus.Versions("1", "2", "17"),
          Instant.parse("2026-11-29T10:00:00Z"),
          Instant.parse("2026-11-29T10:05:00Z"),
          "etcd",
          12,
          null,
          List.of(BREAKER),
          List.of(TARGET));

  static Stream<Arguments> notMeaningful() {
    return Stream.of(
        named("only the time", s -> s.withUpdatedAt(Instant.parse("2026-11-29T11:00:00Z"))),
        named("calls per minute +4 %", s -> withTarget(s, target(1250, 60, 230.0, 40L))),
        named("errors per minute -3 %", s -> withTarget(s, target(1200, 58, 230.0, 40L))),
        named("p99 +5 %", s -> withTarget(s, target(1200, 60, 241.0, 40L))),
        // p99s are bucket bounds, neighbours 1.33 or 1.5 times apart: one bucket is resolution
        named(
            "p99 one latency bucket up (x 1.5)", s -> withTarget(s, target(1200, 60, 345.0, 40L))),
        named(
            "p99 one latency bucket down (/ 1.33)",
            s -> withTarget(s, target(1200, 60, 173.0, 40L))),
        named("failure rate 20 -> 21 %", s -> withBreaker(s, "CLOSED", 21, 5)),
        named("slow-call rate 5 -> 5.9 %", s -> withBreaker(s, "CLOSED", 20, 5.9)),
        named("unguarded calls 40 -> 41", s -> withTarget(s, target(1200, 60, 230.0, 41L))));
  }

  static Stream<Arguments> meaningful() {
    return Stream.of(
        named("applied revision", s -> copy(s, 13, s.rejected())),
        named("a rejection", s -> copy(s, 12, new AgentStatus.Rejection(14, List.of("$.x: bad")))),
        named("a breaker's state", s -> withBreaker(s, "OPEN", 20, 5)),
        named("a rate became known", s -> withBreaker(s, "CLOSED", 20, -1)),
        named("failure rate 20 -> 23 %", s -> withBreaker(s, "CLOSED", 23, 5)),
        named("calls per minute +12 %", s -> withTarget(s, target(1340, 60, 230.0, 40L))),
        named("errors 60 -> 70 a minute", s -> withTarget(s, target(1200, 70, 230.0, 40L))),
        named("p99 two latency buckets up (x 2)", s -> withTarget(s, target(1200, 60, 460.0, 40L))),
        named(
            "p99 two latency buckets down (/ 2)", s -> withTarget(s, target(1200, 60, 115.0, 40L))),
        named("p99 gone: every call rejected", s -> withTarget(s, target(1200, 60, null, 40L))),
        named("unguarded calls appeared", s -> withTarget(s, target(1200, 60, 230.0, null))),
        // the unguarded calls the same, but now matched by a policy in shadow mode
        named(
            "shadow-matched calls 0 -> 40",
            s ->
                withTarget(
                    s,
                    new AgentStatus.TargetStats(
                        "payments:8080", 1200, 60, 230.0, "payments", 40L, 2L, 40L))),
        named(
            "another breaker",
            s ->
                s.withLists(
                    s.rejected(),
                    List.of(
                        BREAKER, new AgentStatus.BreakerState("p", "h:1", "CLOSED", 0, 0, false)),
                    0,
                    s.topTargets(),
                    0)),
        named(
            "a target's covering policy",
            s ->
                s.withLists(
                    s.rejected(),
                    s.breakers(),
                    0,
                    List.of(
                        new AgentStatus.TargetStats(
                            "payments:8080", 1200, 60, 230.0, null, 40L, 2L)),
                    0)),
        named("a target less", s -> s.withLists(s.rejected(), s.breakers(), 0, List.of(), 0)),
        named(
            "a client Sluice does not guard",
            s ->
                s.withUnguardedClients(
                    List.of(new AgentStatus.UnguardedClient("an OkHttp 3 client", null)))),
        named(
            "many more breakers omitted",
            s -> s.withLists(s.rejected(), s.breakers(), 500, s.topTargets(), 0)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("notMeaningful")
  void ignoresFiguresThatMovedALittle(UnaryOperator<AgentStatus> change) {
    assertThat(StatusChange.isMeaningful(WRITTEN, change.apply(WRITTEN))).isFalse();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("meaningful")
  void writesWhatChangedOrMovedForReal(UnaryOperator<AgentStatus> change) {
    assertThat(StatusChange.isMeaningful(WRITTEN, change.apply(WRITTEN))).isTrue();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("meaningful")
  void nothingWrittenYetIsAlwaysMeaningful(UnaryOperator<AgentStatus> change) {
    assertThat(StatusChange.isMeaningful(null, change.apply(WRITTEN))).isTrue();
  }

  @Test
  void aP99ThatComesBackIsMeaningfulAndOneStillAbsentIsNot() {
    AgentStatus allRejected = withTarget(WRITTEN, target(1200, 60, null, 40L));

    assertThat(StatusChange.isMeaningful(allRejected, WRITTEN)).isTrue();
    assertThat(
            StatusChange.isMeaningful(
                allRejected, withTarget(WRITTEN, target(1250, 60, null, 40L))))
        .isFalse();
  }

  @Test
  void comparesBreakersAndTargetsWhateverTheirOrder() {
    AgentStatus.BreakerState other = new AgentStatus.BreakerState("p", "h:1", "OPEN", 0, 0, true);
    AgentStatus.TargetStats db = new AgentStatus.TargetStats("db:5432", 10, 0, 1.0, null);
    AgentStatus written =
        WRITTEN.withLists(null, List.of(BREAKER, other), 0, List.of(TARGET, db), 0);
    AgentStatus reordered =
        WRITTEN.withLists(null, List.of(other, BREAKER), 0, List.of(db, TARGET), 0);

    assertThat(StatusChange.isMeaningful(written, reordered)).isFalse();
  }

  /**
   * The target list is a top list by a sliding estimate: similar targets swapping places at its end
   * and a target called about once a minute dropping out and back are not worth a write, a new
   * dependency with real traffic is.
   */
  @Test
  void weighsWhichTargetsAreListedByTheirTraffic() {
    AgentStatus.TargetStats tenth = new AgentStatus.TargetStats("a:443", 100, 0, 5.0, null);
    AgentStatus.TargetStats eleventh = new AgentStatus.TargetStats("b:443", 104, 0, 5.0, null);
    AgentStatus.TargetStats rare = new AgentStatus.TargetStats("cron:80", 1, 0, 5.0, null);
    AgentStatus.TargetStats fresh = new AgentStatus.TargetStats("db:5432", 50, 0, 1.0, null);
    AgentStatus written = WRITTEN.withLists(null, List.of(BREAKER), 0, List.of(TARGET, tenth), 0);

    AgentStatus swapped =
        written.withLists(null, List.of(BREAKER), 0, List.of(TARGET, eleventh), 0);
    AgentStatus withRare =
        written.withLists(null, List.of(BREAKER), 0, List.of(TARGET, tenth, rare), 0);
    AgentStatus withFresh =
        written.withLists(null, List.of(BREAKER), 0, List.of(TARGET, tenth, fresh), 0);

    assertThat(StatusChange.isMeaningful(written, swapped)).as("swapped places").isFalse();
    assertThat(StatusChange.isMeaningful(written, withRare)).as("a rare target came").isFalse();
    assertThat(StatusChange.isMeaningful(withRare, written)).as("a rare target left").isFalse();
    assertThat(StatusChange.isMeaningful(written, withFresh)).as("a new dependency").isTrue();
  }

  /**
   * Breakers past the listed 200 are seen only in the counts by state: a state that gained its
   * first breaker or lost its last is written, a count is a figure like the others.
   */
  @Test
  void weighsBreakerCountsByStateLikeFigures() {
    AgentStatus written = WRITTEN.withBreakersByState(Map.of("OPEN", 300, "CLOSED", 9_000));

    assertThat(isMeaningful(written, Map.of("OPEN", 301, "CLOSED", 8_999)))
        .as("one more open of 300")
        .isFalse();
    assertThat(isMeaningful(written, Map.of("OPEN", 340, "CLOSED", 8_960)))
        .as("40 more open of 300")
        .isTrue();
    assertThat(isMeaningful(written, Map.of("OPEN", 300, "CLOSED", 8_999, "HALF_OPEN", 1)))
        .as("the first half-open")
        .isTrue();
    assertThat(isMeaningful(written, Map.of("CLOSED", 9_300))).as("none open any more").isTrue();
    assertThat(StatusChange.isMeaningful(WRITTEN, written)).as("counted at all").isTrue();
  }

  private static boolean isMeaningful(AgentStatus written, Map<String, Integer> counts) {
    return StatusChange.isMeaningful(written, written.withBreakersByState(counts));
  }

  private static Arguments named(String name, UnaryOperator<AgentStatus> change) {
    return Arguments.of(Named.of(name, change));
  }

  private static AgentStatus.TargetStats target(
      long calls, long errors, Double p99, Long unguarded) {
    return new AgentStatus.TargetStats(
        "payments:8080", calls, errors, p99, "payments", unguarded, 2L, 0L);
  }

  private static AgentStatus withTarget(AgentStatus s, AgentStatus.TargetStats target) {
    return s.withLists(s.rejected(), s.breakers(), 0, List.of(target), 0);
  }

  private static AgentStatus withBreaker(AgentStatus s, String state, double failure, double slow) {
    return s.withLists(
        s.rejected(),
        List.of(
            new AgentStatus.BreakerState("payments", "payments:8080", state, failure, slow, false)),
        0,
        s.topTargets(),
        0);
  }

  private static AgentStatus copy(AgentStatus s, long revision, AgentStatus.Rejection rejected) {
    return new AgentStatus(
        s.instanceId(),
        s.service(),
        s.host(),
        s.pid(),
        s.versions(),
        s.startTime(),
        s.updatedAt(),
        s.rulesSource(),
        revision,
        rejected,
        s.breakers(),
        s.topTargets());
  }
}
