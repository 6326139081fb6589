package io.sluice.controlplane.agents;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.rules.wire.AgentStatus;
import java.util.List;
import org.junit.jupiter.api.Test;

class RolloutTest {

  static AgentStatus agent(String id, long applied, AgentStatus.Rejection rejected) {
    return new AgentStatus(
        id, "orders", "h", 1, null, null, null, "etcd", applied, rejected, List.of(), List.of());
  }

  @Test
  void sortsAgentsIntoCurrentOlderAndRejectedWithWhy() {
    Rollout rollout =
        Rollout.of(
            "orders",
            "orders",
            10,
            List.of(
                agent("current", 10, null),
                agent("older", 7, null),
                agent("rejected", 7, new AgentStatus.Rejection(10, List.of("$.x: bad"))),
                agent("rejected-long-ago", 7, new AgentStatus.Rejection(5, List.of("old")))));
    assertThat(rollout.current())
        .extracting(Rollout.AgentRef::instanceId)
        .containsExactly("current");
    assertThat(rollout.older())
        .extracting(Rollout.AgentRef::instanceId)
        .containsExactly("older", "rejected-long-ago");
    assertThat(rollout.rejected())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.instanceId()).isEqualTo("rejected");
              assertThat(r.errors()).containsExactly("$.x: bad");
            });
    assertThat(rollout.counts()).isEqualTo(new Rollout.Counts(4, 1, 2, 1));
  }
}
