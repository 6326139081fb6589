package io.sluice.controlplane.agents;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.rules.ParseResult;
import io.sluice.rules.RuleCodec;
import io.sluice.rules.RuleDocument;
import io.sluice.rules.wire.AgentStatus;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class UnprotectedTargetsTest {

  static AgentStatus agent(String id, AgentStatus.TargetStats... targets) {
    return new AgentStatus(
        id, "orders", "h", 1, null, null, null, "etcd", 5, null, List.of(), List.of(targets));
  }

  @Test
  void aggregatesBusyUncoveredTargetsOverAgentsAndSkipsCoveredOnes() {
    RuleDocument document =
        RuleCodec.parse(
                """
                {"schemaVersion":1,"service":"orders","sampling":{"defaultRatio":1},
                 "breakers":[{"name":"pay","match":{"host":"payments*","method":"POST"}}]}
                """)
            .orElseThrow();
    List<UnprotectedTargets.Target> found =
        UnprotectedTargets.find(
            List.of(
                agent(
                    "a",
                    new AgentStatus.TargetStats("warehouse:9000", 100, 10, 300, null),
                    new AgentStatus.TargetStats("payments:8080", 100, 10, 300, null),
                    new AgentStatus.TargetStats("idle:1", 0, 0, 0, null)),
                agent(
                    "b",
                    new AgentStatus.TargetStats("warehouse:9000", 300, 10, 900, null),
                    new AgentStatus.TargetStats("cache:6379", 50, 0, 2, "cache-policy"),
                    new AgentStatus.TargetStats("[::1]:8443", 10, 0, 1, null))),
            document);
    assertThat(found)
        .extracting(UnprotectedTargets.Target::target)
        .containsExactly("warehouse:9000", "[::1]:8443");
    UnprotectedTargets.Target warehouse = found.get(0);
    assertThat(warehouse.callsPerMinute()).isEqualTo(400);
    assertThat(warehouse.errorsPerMinute()).isEqualTo(20);
    assertThat(warehouse.errorRate()).isEqualTo(0.05);
    assertThat(warehouse.p99Millis()).isEqualTo(900);
    assertThat(warehouse.agents()).isEqualTo(2);
  }

  @Test
  void suggestsAPolicyTheRuleLanguageAccepts() {
    Map<String, Object> policy =
        UnprotectedTargets.suggest(new String[] {"Ware_House", "9000"}, 900);
    assertThat(policy.get("slowCallDuration")).isEqualTo("2s");
    String document =
        JsonMapper.builder()
            .build()
            .writeValueAsString(
                Map.of(
                    "schemaVersion",
                    1,
                    "service",
                    "orders",
                    "sampling",
                    Map.of("defaultRatio", 1),
                    "breakers",
                    List.of(policy)));
    ParseResult parsed = RuleCodec.parse(document);
    assertThat(parsed.errors()).isEmpty();
    assertThat(parsed.document().breakers().get(0).shadow()).isTrue();
    assertThat(parsed.document().breakers().get(0).match().host()).isEqualTo("Ware_House");
  }

  @Test
  void splitsHostAndPort() {
    assertThat(UnprotectedTargets.split("a:1")).containsExactly("a", "1");
    assertThat(UnprotectedTargets.split("[::1]:80")).containsExactly("::1", "80");
    assertThat(UnprotectedTargets.split("noport")).isNull();
    assertThat(UnprotectedTargets.split("a:")).isNull();
    assertThat(UnprotectedTargets.split("a:x1")).isNull();
  }
}
