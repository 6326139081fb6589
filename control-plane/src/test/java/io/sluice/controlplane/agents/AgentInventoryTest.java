package io.sluice.controlplane.agents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.controlplane.ApiException;
import io.sluice.controlplane.ProblemType;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AgentInventoryTest {

  // never started: the watch that would fill it is not needed to hand it a snapshot
  private final AgentInventory inventory =
      new AgentInventory(null, event -> {}, null, new SimpleMeterRegistry());

  @Test
  void answersUnavailableRatherThanNoAgentsUntilTheFirstReadArrived() {
    assertThatThrownBy(inventory::all)
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> assertThat(e.problem()).isEqualTo(ProblemType.ETCD_UNAVAILABLE));
    assertThatThrownBy(() -> inventory.of("orders")).isInstanceOf(ApiException.class);

    inventory.reset(Map.of(), 7);

    assertThat(inventory.all()).isEmpty();
    assertThat(inventory.of("orders")).isEmpty();
  }
}
