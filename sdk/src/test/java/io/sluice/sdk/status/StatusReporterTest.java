package io.sluice.sdk.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.Client;
import io.sluice.rules.wire.AgentStatus;
import io.sluice.sdk.ActiveRules;
import io.sluice.sdk.ActiveRulesHolder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StatusReporterTest {

  // Nothing listens on port 1: a client that is never answered.
  private final Client client = Client.builder().endpoints("http://127.0.0.1:1").build();
  private final ActiveRulesHolder rules = new ActiveRulesHolder(ActiveRules.defaults("orders"));

  @AfterEach
  void closeClient() {
    client.close();
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "ETCD, etcd",
    "ETCD_DEFAULT, etcd",
    "FILE, file",
    "LAST_KNOWN_GOOD, last-known-good",
    "DEFAULTS, defaults"
  })
  void namesRulesSourcesAsTheStatusContractDoes(ActiveRules.Source source, String name) {
    assertThat(StatusReporter.rulesSource(source)).isEqualTo(name);
  }

  @Test
  void countsEveryBreakerByItsState() {
    List<AgentStatus.BreakerState> breakers =
        List.of(
            new AgentStatus.BreakerState("p", "a:1", "OPEN", 60, 0, false),
            new AgentStatus.BreakerState("p", "b:1", "CLOSED", 0, 0, false),
            new AgentStatus.BreakerState("q", "q", "OPEN", 70, 0, true),
            new AgentStatus.BreakerState("p", "c:1", "HALF_OPEN", -1, -1, false));

    assertThat(StatusReporter.countByState(breakers))
        .isEqualTo(Map.of("OPEN", 2, "CLOSED", 1, "HALF_OPEN", 1));
    assertThat(StatusReporter.countByState(List.of())).isEmpty();
  }

  @Test
  void detectsTheVersionsItRunsWith() {
    var versions = StatusReporter.detectVersions();

    assertThat(versions.java()).isEqualTo(Runtime.version().toString());
    assertThat(versions.opentelemetry()).matches("\\d+\\.\\d+\\.\\d+.*");
    assertThat(versions.sluice()).as("the build's version").matches("\\d+\\.\\d+\\.\\d+.*");
  }

  @Test
  void refusesALeaseLongerThanTheContractAllows() {
    assertThatThrownBy(
            () -> StatusReporter.builder(client, "orders", rules).leaseTtl(Duration.ofSeconds(16)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("PT16S");
    assertThat(
            StatusReporter.builder(client, "orders", rules)
                .leaseTtl(Duration.ofSeconds(15))
                .build())
        .isNotNull();
  }

  @Test
  void refusesNamesThatCannotBeKeys() {
    assertThatThrownBy(() -> StatusReporter.builder(client, "a/b", rules))
        .hasMessageContaining("'a/b'");
    assertThatThrownBy(() -> StatusReporter.builder(client, "orders", rules).instanceId(" "))
        .hasMessageContaining("' '");
  }

  @Test
  void buildsTheKeyFromServiceAndInstance() {
    StatusReporter reporter =
        StatusReporter.builder(client, "orders", rules).instanceId("pod-7").build();

    assertThat(reporter.key()).isEqualTo("/sluice/v1/agents/orders/pod-7");
    assertThat(reporter.leaseId()).isZero();
  }

  @Test
  void closeReleasesItsThreadEvenWhenEtcdNeverAnswered() {
    StatusReporter reporter =
        StatusReporter.builder(client, "close-test", rules)
            .callTimeout(Duration.ofMillis(500))
            .build();
    reporter.start();
    reporter.close();

    await().atMost(Duration.ofSeconds(10)).until(() -> !threadAlive("sluice-status-close-test"));
    assertThat(reporter.writes()).isZero();
  }

  private static boolean threadAlive(String name) {
    return Thread.getAllStackTraces().keySet().stream()
        .anyMatch(t -> t.getName().equals(name) && t.isAlive());
  }
}
