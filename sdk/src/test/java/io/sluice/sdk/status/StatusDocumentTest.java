package io.sluice.sdk.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.rules.wire.AgentStatus;
import io.sluice.sdk.ActiveRules;
import io.sluice.sdk.ActiveRulesHolder;
import io.sluice.sdk.source.FileRuleSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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

  /**
   * A document with more problems than a parse lists (1000, then one counting the rest): the status
   * lists the first ones and counts every other problem found as omitted, not only the other
   * entries listed.
   */
  @Test
  void countsEveryProblemOfARejectionPastThoseTheParseLists(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("rules.json");
    Files.writeString(
        file,
        "{\"schemaVersion\": 1, \"service\": \"orders\", \"breakers\": [{\"name\": \"b\","
            + " \"failureStatusCodes\": ["
            + String.join(",", Collections.nCopies(1500, "1"))
            + "]}]}");
    ActiveRulesHolder holder = new ActiveRulesHolder(ActiveRules.defaults("orders"));
    try (FileRuleSource source = FileRuleSource.builder(file, holder).service("orders").build()) {
      source.start(); // reads the file once before it returns
      assertThat(source.lastRejection().errors()).hasSize(1001);
      StatusDocument document =
          new StatusDocument(
              "i",
              "orders",
              holder,
              List.of(source),
              List::of,
              List::of,
              Clock.systemUTC(),
              "h",
              new AgentStatus.Versions("1", "1", "17"));
      document.init();

      AgentStatus.Rejection full = document.build().rejected();
      AgentStatus.Rejection capped = StatusCaps.cap(document.build()).rejected();
      AgentStatus.Rejection minimal = StatusCaps.minimal(document.build()).rejected();

      assertThat(full.errors().size() + full.errorsOmitted()).isEqualTo(1500);
      assertThat(capped.errors()).hasSize(StatusCaps.MAX_ERRORS);
      assertThat(capped.errors().get(0)).startsWith("$.breakers[0].failureStatusCodes[0]: ");
      assertThat(capped.errorsOmitted()).isEqualTo(1500 - StatusCaps.MAX_ERRORS);
      assertThat(minimal.errorsOmitted()).isEqualTo(1500);
    }
  }

  @Test
  void detectsTheVersionsItRunsWith() {
    var versions = StatusDocument.detectVersions();

    assertThat(versions.java()).isEqualTo(Runtime.version().toString());
    assertThat(versions.opentelemetry()).matches("\\d+\\.\\d+\\.\\d+.*");
    assertThat(versions.sluice()).as("the build's version").matches("\\d+\\.\\d+\\.\\d+.*");
  }
}
