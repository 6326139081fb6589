package io.sluice.controlplane.agents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.controlplane.ApiException;
import io.sluice.controlplane.ProblemType;
import io.sluice.rules.wire.AgentStatus;
import io.sluice.rules.wire.AgentStatusCodec;
import io.sluice.testing.logging.LogCapture;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogRecord;
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

  @Test
  void leavesOutAnUnreadableStatusAndSaysWhyOncePerKey() {
    String bad = "/sluice/v1/agents/orders/i-bad";
    String good = "/sluice/v1/agents/orders/i-good";
    String negative =
        AgentStatusCodec.write(status("i-good"))
            .replace("\"breakersOmitted\":0", "\"breakersOmitted\":-3");
    try (LogCapture log = LogCapture.of(AgentInventory.class)) {
      inventory.reset(
          Map.of(bad, kv(bad, negative), good, kv(good, AgentStatusCodec.write(status("i-good")))),
          7);
      inventory.put(kv(bad, negative));

      assertThat(inventory.all()).extracting(AgentStatus::instanceId).containsExactly("i-good");
      List<LogRecord> warnings =
          log.records().stream().filter(r -> r.getLevel() == Level.WARNING).toList();
      assertThat(warnings).hasSize(1);
      assertThat(warnings.get(0).getMessage()).contains(bad).contains("breakersOmitted");

      // readable again, then unreadable again: said again
      inventory.put(kv(bad, AgentStatusCodec.write(status("i-bad"))));
      assertThat(inventory.all()).hasSize(2);
      inventory.put(kv(bad, "{}"));
      assertThat(log.records().stream().filter(r -> r.getLevel() == Level.WARNING)).hasSize(2);
    }
  }

  /**
   * A key whose value turns unreadable no longer stands for the status it held before: the agent is
   * left out, as a fresh read of the prefix leaves it out, and listeners hear it went (the web UI
   * would otherwise show its last readable status as live for as long as the key lives).
   */
  @Test
  void dropsAnAgentWhoseStatusTurnsUnreadableAsAFreshReadWould() {
    List<AgentChanged> events = new java.util.ArrayList<>();
    AgentInventory watched =
        new AgentInventory(
            null, event -> events.add((AgentChanged) event), null, new SimpleMeterRegistry());
    String key = "/sluice/v1/agents/orders/i-1";
    watched.reset(Map.of(key, kv(key, AgentStatusCodec.write(status("i-1")))), 7);
    events.clear();

    try (LogCapture log = LogCapture.of(AgentInventory.class)) {
      watched.put(kv(key, "{}"));
    }

    assertThat(watched.all()).isEmpty();
    assertThat(events).containsExactly(new AgentChanged("delete", "orders", "i-1", null));
    // the same as a fresh read sees
    watched.reset(Map.of(key, kv(key, "{}")), 8);
    assertThat(watched.all()).isEmpty();
    assertThat(events).hasSize(1);
  }

  private static AgentStatus status(String instance) {
    return new AgentStatus(
        instance,
        "orders",
        "host",
        1,
        new AgentStatus.Versions("1", "2", "17"),
        Instant.parse("2026-11-29T10:00:00Z"),
        Instant.parse("2026-11-29T10:00:05Z"),
        "etcd",
        3,
        null,
        List.of(),
        List.of());
  }

  private static KeyValue kv(String key, String value) {
    return new KeyValue(
        io.etcd.jetcd.api.KeyValue.newBuilder()
            .setKey(ByteString.copyFrom(key, StandardCharsets.UTF_8))
            .setValue(ByteString.copyFrom(value, StandardCharsets.UTF_8))
            .build(),
        ByteSequence.EMPTY);
  }
}
