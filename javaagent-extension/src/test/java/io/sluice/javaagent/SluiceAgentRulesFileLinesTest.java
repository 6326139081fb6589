package io.sluice.javaagent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.sdk.autoconfigure.spi.internal.DefaultConfigProperties;
import io.sluice.sdk.source.FileRuleSource;
import io.sluice.testing.logging.LogCapture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's start line and the rules file source's {@code applied} line name the rules file by
 * its setting where it was set, as the refusal and problem lines about it do: before, both named
 * the path alone ({@code Sluice: rules for 'orders' from file /x}, {@code applied the rules file
 * /x}), and a user who set {@code SLUICE_RULES_FILE} was not told which setting chose the file.
 */
class SluiceAgentRulesFileLinesTest {

  @TempDir Path dir;

  private final List<Thread> hooks = new ArrayList<>();

  @AfterEach
  void runHooks() {
    hooks.forEach(Thread::run); // closes whatever a test started
  }

  @Test
  void aRulesFileSetAsAPropertyIsNamedByItsKey() throws Exception {
    Path rules = document();
    List<String> lines = startLines(rules, Map.of());
    assertThat(lines)
        .containsExactly(
            "Sluice: rules for 'orders' from the rules file sluice.rules.file=" + rules,
            "applied the rules file " + rules + " (sluice.rules.file)");
  }

  @Test
  void aRulesFileSetInTheEnvironmentIsNamedAsTheVariable() throws Exception {
    Path rules = document();
    List<String> lines = startLines(rules, Map.of("SLUICE_RULES_FILE", rules.toString()));
    assertThat(lines)
        .containsExactly(
            "Sluice: rules for 'orders' from the rules file environment variable"
                + " SLUICE_RULES_FILE="
                + rules,
            "applied the rules file " + rules + " (environment variable SLUICE_RULES_FILE)");
  }

  /**
   * The agent's start line, then the source's applied line, of an agent whose configuration (as
   * OpenTelemetry merged it) names {@code rules}; {@code environment} is the agent's environment.
   */
  private List<String> startLines(Path rules, Map<String, String> environment) {
    Map<String, String> properties =
        Map.of(
            "otel.service.name",
            "orders",
            "sluice.rules.file",
            rules.toString(),
            "sluice.state.dir",
            dir.resolve("state").toString());
    Function<String, String> noSystemProperties = key -> null;
    try (LogCapture agentLog = LogCapture.of(SluiceAgent.class);
        LogCapture sourceLog = LogCapture.of(FileRuleSource.class)) {
      SluiceAgent agent = new SluiceAgent(hooks::add, environment::get, noSystemProperties);
      agent.configure(DefaultConfigProperties.createFromMap(properties));
      agent.startInBackground(MeterProvider.noop());
      await("the start line and the applied line")
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  agentLog.messages().stream().anyMatch(m -> m.startsWith("Sluice: rules "))
                      && sourceLog.messages().stream().anyMatch(m -> m.startsWith("applied ")));
      List<String> lines = new ArrayList<>();
      agentLog.messages().stream().filter(m -> m.startsWith("Sluice: rules ")).forEach(lines::add);
      sourceLog.messages().stream().filter(m -> m.startsWith("applied ")).forEach(lines::add);
      return lines;
    }
  }

  private Path document() throws Exception {
    return Files.writeString(
        dir.resolve("rules.json"),
        "{\"schemaVersion\":1,\"service\":\"orders\",\"sampling\":{\"defaultRatio\":0.5}}");
  }
}
