package io.sluice.javaagent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.sdk.autoconfigure.spi.internal.DefaultConfigProperties;
import io.sluice.rules.RuleDocument;
import io.sluice.sdk.ActiveRules;
import io.sluice.sdk.config.ConfiguredRules;
import io.sluice.testing.logging.LogCapture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The warning about a service name that can have no rule document names the setting the name came
 * from only when it did come from it: a name from {@code service.name} in {@code
 * otel.resource.attributes} was warned of as {@code otel.service.name=My Svc}, a property the user
 * never set.
 */
class SluiceAgentServiceNameTest {

  @TempDir Path dir;

  private final List<Thread> hooks = new ArrayList<>();

  @AfterEach
  void runHooks() {
    hooks.forEach(Thread::run); // closes whatever a test started
  }

  @Test
  void aNameFromTheResourceAttributesIsNotCalledOtelServiceName() throws Exception {
    assertThat(warningFor(Map.of("otel.resource.attributes", "service.name=My%20Svc,team=a")))
        .startsWith("the service name My Svc can have no rule document of its own");
  }

  @Test
  void aNameFromOtelServiceNameIsCalledSo() throws Exception {
    assertThat(warningFor(Map.of("otel.service.name", "My Svc")))
        .startsWith("otel.service.name=My Svc can have no rule document of its own");
  }

  private String warningFor(Map<String, String> naming) throws Exception {
    Path rules =
        Files.writeString(
            dir.resolve("rules.json"),
            "{\"schemaVersion\":1,\"service\":\"_default\",\"sampling\":{\"defaultRatio\":0.5}}");
    Map<String, String> properties = new java.util.HashMap<>(naming);
    properties.put("sluice.rules.file", rules.toString());
    properties.put("sluice.state.dir", dir.resolve("state").toString());
    try (LogCapture log = LogCapture.of(ConfiguredRules.class)) {
      SluiceAgent agent = new SluiceAgent(hooks::add);
      agent.configure(DefaultConfigProperties.createFromMap(properties));
      agent.startInBackground(MeterProvider.noop());
      return await("the warning")
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  log.messages().stream()
                      .map(String::valueOf)
                      .filter(m -> m.contains("can have no rule document"))
                      .findFirst()
                      .orElse(null),
              m -> m != null);
    }
  }

  /**
   * A service name Sluice refuses ({@code team/orders}: no rule document can be named so, as none
   * can be named {@code My Svc}) with a rules file: the file runs, and, as for any name that can
   * have no document of its own, only its {@code _default} document applies. The start line says
   * so, naming the refused name where it was set. Before, Sluice ran as {@code
   * unknown_service:java} ({@code rules for 'unknown_service:java' from file …}) and warned that no
   * service name was set, which the user had set.
   */
  @Test
  void aRefusedServiceNameWithARulesFileRunsItsDefaultDocumentAndSaysSo() throws Exception {
    Path rules = defaultDocument();
    Map<String, String> properties =
        Map.of("otel.service.name", "team/orders", "sluice.rules.file", rules.toString());
    try (LogCapture agentLog = LogCapture.of(SluiceAgent.class);
        LogCapture rulesLog = LogCapture.of(ConfiguredRules.class)) {
      SluiceAgent agent = new SluiceAgent(hooks::add);
      agent.configure(DefaultConfigProperties.createFromMap(properties));
      agent.startInBackground(MeterProvider.noop());
      await("the rules file is in force")
          .atMost(Duration.ofSeconds(20))
          .until(() -> agent.rules().current().source() == ActiveRules.Source.FILE);
      assertThat(agent.rules().current().document().sampling().defaultRatio()).isEqualTo(0.5);
      await("the start line")
          .atMost(Duration.ofSeconds(20))
          .until(() -> agentLog.messages().stream().anyMatch(m -> m.startsWith("Sluice: rules ")));

      assertThat(agentLog.messages())
          .filteredOn(m -> m.startsWith("Sluice: rules "))
          .containsExactly(
              "Sluice: rules from the rules file sluice.rules.file="
                  + rules
                  + ", its _default document only: the service name otel.service.name=team/orders"
                  + " is refused above, and a document of the service's own needs a name of "
                  + RuleDocument.SERVICE_NAME_RULE);
      assertThat(agentLog.messages()).noneMatch(m -> m.contains("unknown_service"));
      assertThat(rulesLog.messages()).noneMatch(m -> m.contains("no service name is set"));
    }
  }

  /** As above, the name set as {@code OTEL_SERVICE_NAME}: named as the variable. */
  @Test
  void aRefusedServiceNameFromTheEnvironmentIsNamedAsTheVariableInTheStartLine() throws Exception {
    Path rules = defaultDocument();
    Map<String, String> environment = Map.of("OTEL_SERVICE_NAME", "team/orders");
    Map<String, String> properties =
        Map.of("otel.service.name", "team/orders", "sluice.rules.file", rules.toString());
    try (LogCapture agentLog = LogCapture.of(SluiceAgent.class)) {
      SluiceAgent agent = new SluiceAgent(hooks::add, environment::get);
      agent.configure(DefaultConfigProperties.createFromMap(properties));
      agent.startInBackground(MeterProvider.noop());
      await("the start line")
          .atMost(Duration.ofSeconds(20))
          .until(() -> agentLog.messages().stream().anyMatch(m -> m.startsWith("Sluice: rules ")));

      assertThat(agentLog.messages())
          .filteredOn(m -> m.startsWith("Sluice: rules "))
          .singleElement()
          .asString()
          .contains(
              "its _default document only: the service name environment variable"
                  + " OTEL_SERVICE_NAME=team/orders is refused above");
    }
  }

  private Path defaultDocument() throws Exception {
    return Files.writeString(
        dir.resolve("rules.json"),
        "{\"schemaVersion\":1,\"service\":\"_default\",\"sampling\":{\"defaultRatio\":0.5}}");
  }
}
