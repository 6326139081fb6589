package io.sluice.javaagent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.sdk.autoconfigure.spi.internal.DefaultConfigProperties;
import io.opentelemetry.sdk.resources.Resource;
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
 * from, as the refusal of such a name does: a name from {@code service.name} in {@code
 * otel.resource.attributes} was warned of as {@code otel.service.name=My Svc}, a property the user
 * never set, then as {@code the service name My Svc}, nowhere.
 */
class SluiceAgentServiceNameTest {

  @TempDir Path dir;

  private final List<Thread> hooks = new ArrayList<>();

  @AfterEach
  void runHooks() {
    hooks.forEach(Thread::run); // closes whatever a test started
  }

  /**
   * Named as the refusal of such a name with etcd names it: the entry of the resource attributes.
   * Before, the warning said only {@code the service name My Svc}, leaving the user to guess where.
   */
  @Test
  void aNameFromTheResourceAttributesIsNamedAsTheirEntry() throws Exception {
    assertThat(warningFor(Map.of("otel.resource.attributes", "service.name=My%20Svc,team=a")))
        .startsWith(
            "otel.resource.attributes entry service.name=My Svc can have no rule document of its"
                + " own");
  }

  @Test
  void aNameFromTheResourceAttributesVariableIsNamedAsTheVariablesEntry() throws Exception {
    Map<String, String> environment = Map.of("OTEL_RESOURCE_ATTRIBUTES", "service.name=Env Svc");
    assertThat(
            warningFor(
                Map.of("otel.resource.attributes", "service.name=Env Svc"), environment, "Env Svc"))
        .startsWith(
            "environment variable OTEL_RESOURCE_ATTRIBUTES entry service.name=Env Svc can have no"
                + " rule document of its own");
  }

  @Test
  void aNameFromOtelServiceNameIsCalledSo() throws Exception {
    assertThat(warningFor(Map.of("otel.service.name", "My Svc")))
        .startsWith("otel.service.name=My Svc can have no rule document of its own");
  }

  /**
   * A service without a name of its own is selected by the one the agent's resource detectors found
   * for its spans (here as the jar's name would be): its own document of the rules file applies,
   * and one line says where the name came from. Before, Sluice ran it as {@code
   * unknown_service:java} on the {@code _default} document while its spans said {@code orders}.
   */
  @Test
  void aServiceWithoutANameIsSelectedByTheNameItsResourceWasGiven() throws Exception {
    Path rules =
        Files.writeString(
            dir.resolve("orders.json"),
            "{\"schemaVersion\":1,\"service\":\"orders\",\"sampling\":{\"defaultRatio\":0.25}}");
    Map<String, String> properties =
        Map.of(
            "sluice.rules.file",
            rules.toString(),
            "sluice.state.dir",
            dir.resolve("state").toString());
    try (LogCapture agentLog = LogCapture.of(SluiceAgent.class);
        LogCapture rulesLog = LogCapture.of(ConfiguredRules.class)) {
      SluiceAgent agent = new SluiceAgent(hooks::add, Map.<String, String>of()::get);
      agent.configure(DefaultConfigProperties.createFromMap(properties));
      agent.resourceBuilt(Resource.getDefault().merge(serviceNamed("orders")));
      agent.startInBackground(MeterProvider.noop());

      await("the service's own document is in force")
          .atMost(Duration.ofSeconds(20))
          .until(() -> agent.rules().current().source() == ActiveRules.Source.FILE);
      assertThat(agent.rules().current().document().service()).isEqualTo("orders");
      assertThat(agent.rules().current().document().sampling().defaultRatio()).isEqualTo(0.25);
      assertThat(agentLog.messages())
          .contains(
              "Sluice: no service name is set (otel.service.name, OTEL_SERVICE_NAME or service.name"
                  + " in otel.resource.attributes), so Sluice selects rules by 'orders', the name"
                  + " OpenTelemetry detected for the app's spans (from its jar or framework): set"
                  + " the name to choose another");
      assertThat(rulesLog.warnings()).noneMatch(m -> m.contains("orders"));
    }
  }

  /** A name set by the user wins over the one the resource has, as it does for the spans. */
  @Test
  void aNameOfItsOwnIsKeptWhateverTheResourceSays() throws Exception {
    SluiceAgent agent = new SluiceAgent(hooks::add, Map.<String, String>of()::get);
    agent.configure(DefaultConfigProperties.createFromMap(Map.of("otel.service.name", "orders")));
    agent.resourceBuilt(serviceNamed("detected"));

    assertThat(agent.rules().current().document().service()).isEqualTo("orders");
  }

  /**
   * With OpenTelemetry's SDK off the agent still builds its resource (before it checks the switch),
   * and Sluice's breakers and status still run: they go by the detected name too.
   */
  @Test
  void withTheSdkOffTheDetectedNameIsTakenToo() {
    SluiceAgent agent = new SluiceAgent(hooks::add, Map.<String, String>of()::get);
    agent.configure(DefaultConfigProperties.createFromMap(Map.of("otel.sdk.disabled", "true")));
    agent.resourceBuilt(serviceNamed("orders"));

    assertThat(agent.rules().current().document().service()).isEqualTo("orders");
  }

  /**
   * OpenTelemetry's own name for a service none was found for, and a name that can have no rule
   * document, select nothing: the service stays unnamed, on the {@code _default} document.
   */
  @Test
  void anUnknownOrUnusableDetectedNameLeavesTheServiceUnnamed() throws Exception {
    for (String detected : List.of("unknown_service:java", "My App")) {
      try (LogCapture agentLog = LogCapture.of(SluiceAgent.class)) {
        SluiceAgent agent = new SluiceAgent(hooks::add, Map.<String, String>of()::get);
        agent.configure(DefaultConfigProperties.createFromMap(Map.of()));
        agent.resourceBuilt(serviceNamed(detected));

        assertThat(agent.rules().current().document().service())
            .as(detected)
            .isEqualTo("unknown_service:java");
        assertThat(
                agentLog.messages().stream().filter(m -> m.contains("detected the service name")))
            .as(detected)
            .containsExactlyElementsOf(
                detected.equals("My App")
                    ? List.of(
                        "Sluice: OpenTelemetry detected the service name 'My App' for the app's"
                            + " spans, which can have no rule document (a service name is "
                            + RuleDocument.SERVICE_NAME_RULE
                            + "), so Sluice does not select rules by it")
                    : List.of());
      }
    }
  }

  /**
   * Without a resource (the sampler asked first, or the SDK is off), the service is configured
   * unnamed when something first needs the configuration, not left unconfigured.
   */
  @Test
  void withoutAResourceTheServiceIsConfiguredUnnamedWhenFirstNeeded() {
    SluiceAgent agent = new SluiceAgent(hooks::add, Map.<String, String>of()::get);
    agent.configure(DefaultConfigProperties.createFromMap(Map.of()));

    assertThat(agent.rules().current().document().service()).isEqualTo("unknown_service:java");
    agent.resourceBuilt(serviceNamed("orders")); // too late: the rules were handed out
    assertThat(agent.rules().current().document().service()).isEqualTo("unknown_service:java");
  }

  private static Resource serviceNamed(String name) {
    return Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), name));
  }

  private String warningFor(Map<String, String> naming) throws Exception {
    return warningFor(naming, Map.of(), "can have no rule document");
  }

  /**
   * The first WARNING of {@link ConfiguredRules} about a name without a document, with {@code
   * environment} as the process's environment, that contains {@code text}: an agent of another test
   * may still be logging.
   */
  private String warningFor(
      Map<String, String> naming, Map<String, String> environment, String text) throws Exception {
    Path rules =
        Files.writeString(
            dir.resolve("rules.json"),
            "{\"schemaVersion\":1,\"service\":\"_default\",\"sampling\":{\"defaultRatio\":0.5}}");
    Map<String, String> properties = new java.util.HashMap<>(naming);
    properties.put("sluice.rules.file", rules.toString());
    properties.put("sluice.state.dir", dir.resolve("state").toString());
    try (LogCapture log = LogCapture.of(ConfiguredRules.class)) {
      SluiceAgent agent = new SluiceAgent(hooks::add, environment::get);
      agent.configure(DefaultConfigProperties.createFromMap(properties));
      agent.startInBackground(MeterProvider.noop());
      return await("the warning")
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  log.messages().stream()
                      .map(String::valueOf)
                      .filter(m -> m.contains("can have no rule document") && m.contains(text))
                      .findFirst()
                      .orElse(null),
              m -> m != null);
    }
  }

  /**
   * A service name with a {@code /} ({@code team/orders}) and a rules file: harmless without etcd,
   * so taken. No rule document can be named so, as none can be named {@code My Svc}: only the
   * file's {@code _default} document applies, and one WARNING says why, naming the name where it
   * was set. Before, the configuration was refused ("invalid configuration") for a name only etcd
   * keys cannot hold.
   */
  @Test
  void aServiceNameWithASlashAndARulesFileRunsItsDefaultDocumentAndSaysSo() throws Exception {
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

      // filtered by this test's file and name: an agent of another test may still be logging
      assertThat(agentLog.messages())
          .filteredOn(m -> m.startsWith("Sluice: rules ") && m.contains(rules.toString()))
          .containsExactly(
              "Sluice: rules for 'team/orders' from the rules file sluice.rules.file=" + rules);
      assertThat(agentLog.warnings()).noneMatch(m -> m.contains("invalid configuration"));
      assertThat(rulesLog.warnings())
          .filteredOn(m -> m.contains("team/orders"))
          .containsExactly(
              "otel.service.name=team/orders can have no rule document of its own (a service name"
                  + " is "
                  + RuleDocument.SERVICE_NAME_RULE
                  + "); only the _default document applies");
      assertThat(agentLog.messages()).noneMatch(m -> m.contains("unknown_service"));
    }
  }

  /** As above, the name set as {@code OTEL_SERVICE_NAME}: named as the variable. */
  @Test
  void aServiceNameWithASlashFromTheEnvironmentIsNamedAsTheVariable() throws Exception {
    Path rules = defaultDocument();
    Map<String, String> environment = Map.of("OTEL_SERVICE_NAME", "team/payments");
    Map<String, String> properties =
        Map.of("otel.service.name", "team/payments", "sluice.rules.file", rules.toString());
    try (LogCapture rulesLog = LogCapture.of(ConfiguredRules.class)) {
      SluiceAgent agent = new SluiceAgent(hooks::add, environment::get);
      agent.configure(DefaultConfigProperties.createFromMap(properties));
      agent.startInBackground(MeterProvider.noop());
      await("the warning")
          .atMost(Duration.ofSeconds(20))
          .until(() -> rulesLog.warnings().stream().anyMatch(m -> m.contains("team/payments")));

      assertThat(rulesLog.warnings())
          .filteredOn(m -> m.contains("team/payments"))
          .singleElement()
          .asString()
          .startsWith(
              "environment variable OTEL_SERVICE_NAME=team/payments can have no rule document of"
                  + " its own");
    }
  }

  private Path defaultDocument() throws Exception {
    return Files.writeString(
        dir.resolve("rules.json"),
        "{\"schemaVersion\":1,\"service\":\"_default\",\"sampling\":{\"defaultRatio\":0.5}}");
  }
}
