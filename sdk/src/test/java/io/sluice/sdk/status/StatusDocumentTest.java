package io.sluice.sdk.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.rules.wire.AgentStatus;
import io.sluice.sdk.ActiveRules;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StatusDocumentTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "ETCD, etcd",
    "ETCD_DEFAULT, etcd",
    "FILE, file",
    "LAST_KNOWN_GOOD, last-known-good",
    "DEFAULTS, defaults"
  })
  void namesRulesSourcesAsTheStatusContractDoes(ActiveRules.Source source, String name) {
    assertThat(StatusDocument.rulesSource(source)).isEqualTo(name);
  }

  @Test
  void countsEveryBreakerByItsState() {
    List<AgentStatus.BreakerState> breakers =
        List.of(
            new AgentStatus.BreakerState("p", "a:1", "OPEN", 60, 0, false),
            new AgentStatus.BreakerState("p", "b:1", "CLOSED", 0, 0, false),
            new AgentStatus.BreakerState("q", "q", "OPEN", 70, 0, true),
            new AgentStatus.BreakerState("p", "c:1", "HALF_OPEN", -1, -1, false));

    assertThat(StatusDocument.countByState(breakers))
        .isEqualTo(Map.of("OPEN", 2, "CLOSED", 1, "HALF_OPEN", 1));
    assertThat(StatusDocument.countByState(List.of())).isEmpty();
  }

  @Test
  void detectsTheVersionsItRunsWith() {
    var versions = StatusDocument.detectVersions();

    assertThat(versions.java()).isEqualTo(Runtime.version().toString());
    assertThat(versions.opentelemetry()).matches("\\d+\\.\\d+\\.\\d+.*");
    assertThat(versions.sluice()).as("the build's version").matches("\\d+\\.\\d+\\.\\d+.*");
  }
}
