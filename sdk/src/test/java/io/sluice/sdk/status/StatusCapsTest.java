package io.sluice.sdk.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.rules.wire.AgentStatus;
import io.sluice.rules.wire.AgentStatusCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StatusCapsTest {

  @Test
  void listsBreakersThatAreNotClosedFirstThenByPolicyAndKeyAndCountsTheRest() {
    List<AgentStatus.BreakerState> breakers = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      breakers.add(breaker("tenants", String.format(Locale.ROOT, "t%05d:443", i), "CLOSED"));
    }
    breakers.add(breaker("zeta", "z:1", "HALF_OPEN"));
    breakers.add(breaker("alpha", "a:1", "OPEN"));

    AgentStatus capped = StatusCaps.cap(status(breakers, null, List.of()));

    assertThat(capped.breakers()).hasSize(StatusCaps.MAX_BREAKERS);
    assertThat(capped.breakersOmitted()).isEqualTo(10_002 - StatusCaps.MAX_BREAKERS);
    assertThat(capped.breakers().subList(0, 4))
        .extracting(AgentStatus.BreakerState::key)
        .containsExactly("a:1", "z:1", "t00000:443", "t00001:443");
    assertThat(AgentStatusCodec.write(capped).length()).isLessThan(40 * 1024);
  }

  @Test
  void keepsTheCountsByStateOfEveryBreakerWhenItCutsTheListOrDropsIt() {
    List<AgentStatus.BreakerState> breakers = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      breakers.add(
          breaker(
              "tenants", String.format(Locale.ROOT, "t%05d:443", i), i < 300 ? "OPEN" : "CLOSED"));
    }
    Map<String, Integer> counts = Map.of("OPEN", 300, "CLOSED", 700);
    AgentStatus full = status(breakers, null, List.of()).withBreakersByState(counts);

    AgentStatus capped = StatusCaps.cap(full);

    assertThat(capped.breakers())
        .hasSize(StatusCaps.MAX_BREAKERS)
        .allSatisfy(b -> assertThat(b.state()).isEqualTo("OPEN"));
    assertThat(capped.breakersByState()).isEqualTo(counts);
    assertThat(StatusCaps.minimal(capped).breakersByState()).isEqualTo(counts);
  }

  @Test
  void keepsTheFirstErrorsOfARejectionShortenedAndCountsTheRest() {
    List<String> errors = new ArrayList<>();
    errors.add("$.breakers[0].name: " + "y".repeat(5_000));
    for (int i = 1; i < 3_000; i++) {
      errors.add("$.breakers[" + i + "].name: is required");
    }

    AgentStatus capped =
        StatusCaps.cap(status(List.of(), new AgentStatus.Rejection(9, errors), List.of()));

    assertThat(capped.rejected().revision()).isEqualTo(9);
    assertThat(capped.rejected().errors()).hasSize(StatusCaps.MAX_ERRORS);
    assertThat(capped.rejected().errors().get(0))
        .hasSize(StatusCaps.MAX_ERROR_CHARS)
        .startsWith("$.breakers[0].name: yyy")
        .endsWith("…");
    assertThat(capped.rejected().errors().get(1)).isEqualTo("$.breakers[1].name: is required");
    assertThat(capped.rejected().errorsOmitted()).isEqualTo(3_000 - StatusCaps.MAX_ERRORS);
  }

  /** A shortened error never ends in half of a character outside the BMP (invalid UTF-8). */
  @Test
  void shortensAnErrorWithoutSplittingACharacter() {
    String error = "a".repeat(StatusCaps.MAX_ERROR_CHARS - 2) + "\uD83D\uDE00" + "b".repeat(100);

    AgentStatus capped =
        StatusCaps.cap(status(List.of(), new AgentStatus.Rejection(9, List.of(error)), List.of()));

    assertThat(capped.rejected().errors())
        .containsExactly("a".repeat(StatusCaps.MAX_ERROR_CHARS - 2) + "…");
  }

  @Test
  void leavesASmallStatusAsItIs() {
    AgentStatus small =
        status(
            List.of(breaker("p", "h:1", "OPEN")),
            new AgentStatus.Rejection(3, List.of("$.x: bad")),
            List.of(new AgentStatus.TargetStats("h:1", 10, 1, 2.0, "p")));

    assertThat(StatusCaps.cap(small)).isEqualTo(small);
  }

  @Test
  void minimalStatusListsNothingAndCountsEverything() {
    List<AgentStatus.TargetStats> targets = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      targets.add(new AgentStatus.TargetStats("h:" + i, 10, 1, 2.0, null));
    }
    List<AgentStatus.BreakerState> breakers = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      breakers.add(breaker("p", "h:" + i, "CLOSED"));
    }
    AgentStatus capped =
        StatusCaps.cap(
            status(
                breakers, new AgentStatus.Rejection(3, List.of("$.a: bad", "$.b: bad")), targets));
    assertThat(capped.topTargets()).hasSize(StatusCaps.MAX_TOP_TARGETS);
    assertThat(capped.topTargetsOmitted()).isEqualTo(10);

    AgentStatus minimal = StatusCaps.minimal(capped);

    assertThat(minimal.breakers()).isEmpty();
    assertThat(minimal.breakersOmitted()).isEqualTo(300);
    assertThat(minimal.topTargets()).isEmpty();
    assertThat(minimal.topTargetsOmitted()).isEqualTo(60);
    assertThat(minimal.rejected()).isEqualTo(new AgentStatus.Rejection(3, List.of(), 2));
    assertThat(minimal.appliedRevision()).isEqualTo(capped.appliedRevision());
  }

  private static AgentStatus.BreakerState breaker(String policy, String key, String state) {
    return new AgentStatus.BreakerState(policy, key, state, 12.5, 0, false);
  }

  private static AgentStatus status(
      List<AgentStatus.BreakerState> breakers,
      AgentStatus.Rejection rejected,
      List<AgentStatus.TargetStats> targets) {
    return new AgentStatus(
        "i", "orders", "h", 1, null, null, null, "etcd", 5, rejected, breakers, targets);
  }
}
