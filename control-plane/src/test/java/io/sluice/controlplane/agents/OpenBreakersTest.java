package io.sluice.controlplane.agents;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.rules.wire.AgentStatus;
import io.sluice.rules.wire.AgentStatusCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OpenBreakersTest {

  @Test
  void countsEveryOpenBreakerFromTheCountsByStateNotOnlyTheListedOnes() {
    // 230 open and 3 half-open breakers, of which the agent listed its 200 first
    AgentStatus agent =
        agent(listed(200, "OPEN"), 10_033)
            .withBreakersByState(Map.of("OPEN", 230, "HALF_OPEN", 3, "CLOSED", 10_000));

    assertThat(OpenBreakers.of(agent)).isEqualTo(233);
  }

  @Test
  void countsTheListedBreakersOfAnAgentOlderThanTheCounts() {
    List<AgentStatus.BreakerState> listed = new ArrayList<>(listed(2, "OPEN"));
    listed.addAll(listed(1, "HALF_OPEN"));
    listed.addAll(listed(1, "FORCED_OPEN"));
    listed.addAll(listed(5, "CLOSED"));
    listed.addAll(listed(1, "DISABLED"));

    assertThat(OpenBreakers.of(agent(listed, 0))).isEqualTo(4);
  }

  /**
   * A status written by hand may list a breaker without a state: it is not known to be open.
   * Before, counting it threw, and the whole services list answered 500 for everyone.
   */
  @Test
  void aListedBreakerWithoutAStateIsNotCountedOpen() {
    AgentStatus agent =
        AgentStatusCodec.parse(
                ("{\"instanceId\": \"nb\", \"service\": \"orders\", \"breakers\":"
                        + " [{\"policy\": \"p\", \"key\": \"k\"},"
                        + " {\"policy\": \"p\", \"key\": \"h:1\", \"state\": \"OPEN\"}]}")
                    .getBytes(StandardCharsets.UTF_8))
            .orElseThrow();

    assertThat(OpenBreakers.of(List.of(agent))).isEqualTo(1);
  }

  @Test
  void addsUpAgentsOfBothKinds() {
    AgentStatus counted = agent(listed(200, "OPEN"), 100).withBreakersByState(Map.of("OPEN", 300));
    AgentStatus older = agent(listed(3, "OPEN"), 0);

    assertThat(OpenBreakers.of(List.of(counted, older))).isEqualTo(303);
    assertThat(OpenBreakers.of(agent(List.of(), 0).withBreakersByState(Map.of()))).isZero();
  }

  private static List<AgentStatus.BreakerState> listed(int count, String state) {
    List<AgentStatus.BreakerState> breakers = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      breakers.add(
          new AgentStatus.BreakerState("tenants", state + "-" + i + ":443", state, 0, 0, false));
    }
    return breakers;
  }

  private static AgentStatus agent(List<AgentStatus.BreakerState> breakers, int omitted) {
    return new AgentStatus(
        "i", "orders", "h", 1, null, null, null, "etcd", 3, null, breakers, List.of(), omitted, 0);
  }
}
