package io.sluice.javaagent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.autoconfigure.spi.internal.DefaultConfigProperties;
import io.sluice.sdk.breaker.CallGuard;
import io.sluice.sdk.config.SluiceConfig;
import io.sluice.testing.logging.LogCapture;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SluiceAgentConfigTest {

  /**
   * A configuration step that throws (here every read of the agent's configuration fails) must not
   * reach the agent's start, which would stop the agent, and the app's start with it: Sluice says
   * once that the app runs with the plain agent, starts nothing, and guards no call. It used to
   * throw out of the properties customizer.
   */
  @Test
  void aConfigurationThatFailsLeavesThePlainAgentAndIsLoggedOnce() {
    ConfigProperties broken =
        (ConfigProperties)
            Proxy.newProxyInstance(
                ConfigProperties.class.getClassLoader(),
                new Class<?>[] {ConfigProperties.class},
                (proxy, method, args) -> {
                  throw new IllegalStateException("a broken configuration");
                });
    List<Thread> hooks = new ArrayList<>();
    SluiceAgent agent = new SluiceAgent(hooks::add);

    try (LogCapture log = LogCapture.of(SluiceAgent.class)) {
      assertThatCode(() -> agent.configure(broken)).doesNotThrowAnyException();
      agent.configure(broken); // the sampler provider asks too
      agent.startInBackground(MeterProvider.noop());

      assertThat(log.warnings())
          .filteredOn(m -> m.startsWith("Sluice could not configure itself"))
          .singleElement()
          .asString()
          .contains("the OpenTelemetry agent alone", "no circuit breaker guards a call");
      assertThat(log.warnings()).as("said once").doesNotContain(SluiceAgent.NOT_CONFIGURED);
    }
    assertThat(hooks).as("nothing started").isEmpty();
    assertThat(agent.guard()).isSameAs(CallGuard.NONE);
  }

  /**
   * The agent up without ever running Sluice's configuration (a declarative configuration file,
   * with which it runs no customizer): one WARNING says Sluice is off and why, instead of nothing;
   * nothing starts.
   */
  @Test
  void anAgentThatNeverConfiguredSluiceIsSaidOnce() {
    List<Thread> hooks = new ArrayList<>();
    SluiceAgent agent = new SluiceAgent(hooks::add);

    try (LogCapture log = LogCapture.of(SluiceAgent.class)) {
      agent.startInBackground(MeterProvider.noop());
      agent.startInBackground(MeterProvider.noop());

      assertThat(log.warnings())
          .singleElement()
          .asString()
          .isEqualTo(SluiceAgent.NOT_CONFIGURED)
          .contains("otel.config.file", "no circuit breaker guards a call");
    }
    assertThat(hooks).as("nothing started").isEmpty();
    assertThat(agent.guard()).isSameAs(CallGuard.NONE);
  }

  @Test
  void theServiceNameComesFromOtelServiceNameFirst() {
    assertThat(
            SluiceAgent.serviceName(
                DefaultConfigProperties.createFromMap(
                    Map.of(
                        "otel.service.name", "orders",
                        "otel.resource.attributes", "service.name=ignored,team=a"))))
        .isEqualTo("orders");
  }

  @Test
  void aRefusedServiceNameFromTheResourceAttributesIsNamedThere() {
    // the user set no otel.service.name: naming it sent them looking for a setting they never made
    ConfigProperties properties =
        DefaultConfigProperties.createFromMap(
            Map.of(
                "otel.resource.attributes",
                "team=a,service.name=team/orders",
                "sluice.etcd.endpoints",
                "http://etcd:2379"));

    assertThatThrownBy(() -> SluiceConfig.fromProperties(lookup(properties, Map.of(), Map.of())))
        .hasMessageContaining(
            "\n  - otel.resource.attributes entry service.name=team/orders: has a '/', refused"
                + " because sluice.etcd.endpoints is set")
        .message()
        .doesNotContain("otel.service.name");
    Map<String, String> environment =
        Map.of("OTEL_RESOURCE_ATTRIBUTES", "team=a,service.name=team/orders");
    assertThatThrownBy(() -> SluiceConfig.fromProperties(lookup(properties, Map.of(), environment)))
        .hasMessageContaining(
            "\n  - environment variable OTEL_RESOURCE_ATTRIBUTES entry service.name=team/orders:");
  }

  @Test
  void aRefusedOtelServiceNameIsNamedAsEverWhenTheResourceAttributesNameTheServiceToo() {
    ConfigProperties properties =
        DefaultConfigProperties.createFromMap(
            Map.of(
                "otel.service.name", "team/orders",
                "sluice.etcd.endpoints", "http://etcd:2379",
                "otel.resource.attributes", "service.name=orders"));

    assertThatThrownBy(
            () ->
                SluiceConfig.fromProperties(
                    lookup(properties, Map.of(), Map.of("OTEL_SERVICE_NAME", "team/orders"))))
        .hasMessageContaining(
            "\n  - environment variable OTEL_SERVICE_NAME=team/orders: has a '/', refused because")
        .message()
        .doesNotContain("otel.resource.attributes");
  }

  @Test
  void aMissingServiceNameIsNamedByItsKeyAndItsVariable() {
    ConfigProperties properties =
        DefaultConfigProperties.createFromMap(Map.of("sluice.etcd.endpoints", "http://e:2379"));

    assertThatThrownBy(() -> SluiceConfig.fromProperties(lookup(properties, Map.of(), Map.of())))
        .hasMessageContaining(
            "\n  - otel.service.name (OTEL_SERVICE_NAME) is required when sluice.etcd.endpoints is"
                + " set");
  }

  private static AgentConfigLookup lookup(
      ConfigProperties properties, Map<String, String> system, Map<String, String> environment) {
    return new AgentConfigLookup(
        properties, SluiceAgent.serviceName(properties), system::get, environment::get);
  }

  @Test
  void elseFromTheResourceAttributesAsTheAgentNamesItsResource() {
    assertThat(
            SluiceAgent.serviceName(
                DefaultConfigProperties.createFromMap(
                    Map.of("otel.resource.attributes", "team=a,service.name=payments"))))
        .isEqualTo("payments");
  }

  @Test
  void aResourceAttributeIsPercentDecodedAsTheSdkDecodesIt() {
    assertThat(
            SluiceAgent.serviceName(
                DefaultConfigProperties.createFromMap(
                    Map.of("otel.resource.attributes", "service.name=pay%2Dments,team=a%2Cb"))))
        .isEqualTo("pay-ments");
  }

  @Test
  void nullWithoutThrowingWhenTheResourceAttributesAreMalformed() {
    assertThat(
            SluiceAgent.serviceName(
                DefaultConfigProperties.createFromMap(
                    Map.of("otel.resource.attributes", "service.name"))))
        .isNull();
  }

  @Test
  void nullWhenNeitherNamesTheService() {
    assertThat(
            SluiceAgent.serviceName(
                DefaultConfigProperties.createFromMap(
                    Map.of("otel.resource.attributes", "team=a"))))
        .isNull();
    assertThat(SluiceAgent.serviceName(DefaultConfigProperties.createFromMap(Map.of()))).isNull();
  }

  @Test
  void aRefusedConfigurationKeepsTheNamespaceOfTheLastKnownGoodRules() {
    SluiceAgent.Fallback fallback =
        SluiceAgent.withoutSources(
            DefaultConfigProperties.createFromMap(
                Map.of(
                    "sluice.etcd.endpoints", "ftp://127.0.0.1:2379",
                    "sluice.etcd.namespace", "/staging",
                    "sluice.state.dir", "/var/lib/sluice")),
            "orders");

    assertThat(fallback.lastKnownGood()).isTrue();
    assertThat(fallback.config().usesEtcd()).isFalse();
    assertThat(fallback.config().serviceName()).isEqualTo("orders");
    assertThat(fallback.config().namespace()).isEqualTo("/staging");
    assertThat(fallback.config().stateDir()).isEqualTo(Path.of("/var/lib/sluice"));
  }

  @Test
  void aRefusedConfigurationKeepsAValidRulesFile() {
    SluiceAgent.Fallback fallback =
        SluiceAgent.withoutSources(
            DefaultConfigProperties.createFromMap(
                Map.of(
                    "sluice.etcd.endpoints", "http://127.0.0.1:2379",
                    "sluice.etcd.tls.enabled", "maybe",
                    "sluice.rules.file", "/etc/sluice/rules.json")),
            "orders");

    assertThat(fallback.config().usesEtcd()).isFalse();
    assertThat(fallback.config().rulesFile()).isEqualTo(Path.of("/etc/sluice/rules.json"));
    assertThat(fallback.config().serviceName()).isEqualTo("orders");
  }

  @Test
  void aRefusedRulesFileIsNotKept() {
    SluiceAgent.Fallback fallback =
        SluiceAgent.withoutSources(
            DefaultConfigProperties.createFromMap(Map.of("sluice.rules.file", "/")), "orders");

    assertThat(fallback.config().rulesFile()).isNull();
    assertThat(fallback.config().serviceName()).isEqualTo("orders");
  }

  @Test
  void aRefusedNamespaceRunsNoLastKnownGoodRulesOfAnother() {
    SluiceAgent.Fallback fallback =
        SluiceAgent.withoutSources(
            DefaultConfigProperties.createFromMap(Map.of("sluice.etcd.namespace", "/my ns")),
            "orders");

    assertThat(fallback.lastKnownGood()).isFalse();
    assertThat(fallback.config().serviceName()).isEqualTo("orders");
  }

  @Test
  void aSamplerTheUserSetIsExplainedOnce() {
    assertThat(
            samplerNotice(
                Map.of("otel.traces.sampler", "parentbased_always_on"),
                Map.of("otel.traces.sampler", "parentbased_always_on"),
                Map.of()))
        .contains("Sluice: otel.traces.sampler=parentbased_always_on is set")
        .contains("sampling rules do not apply");
    assertThat(samplerNotice(Map.of("otel.traces.sampler", "sluice"), Map.of(), Map.of())).isNull();
    assertThat(samplerNotice(Map.of(), Map.of(), Map.of())).isNull();
  }

  @Test
  void aSamplerTheUserSetIsNotSaidToDecideWithTheSdkDisabled() {
    // was: "it decides sampling", though with the SDK off no sampler runs at all
    assertThat(
            samplerNotice(
                Map.of("otel.traces.sampler", "always_on", "otel.sdk.disabled", "true"),
                Map.of("otel.traces.sampler", "always_on"),
                Map.of()))
        .isNull();
  }

  @Test
  void aSamplerSetInTheEnvironmentIsNamedAsTheVariable() {
    // a user who set OTEL_TRACES_SAMPLER looked for otel.traces.sampler among the JVM's flags
    assertThat(
            samplerNotice(
                Map.of("otel.traces.sampler", "always_on"),
                Map.of(),
                Map.of("OTEL_TRACES_SAMPLER", "always_on")))
        .startsWith("Sluice: environment variable OTEL_TRACES_SAMPLER=always_on is set");
  }

  @Test
  void aDisabledSdkIsExplainedWhereItWasSet() {
    // was: not a word, and breakers kept rejecting calls of an app that had "turned tracing off"
    assertThat(
            SluiceAgent.sdkDisabledNotice(
                DefaultConfigProperties.createFromMap(Map.of("otel.sdk.disabled", "true")),
                Map.of("otel.sdk.disabled", "true")::get,
                Map.<String, String>of()::get))
        .startsWith("Sluice: otel.sdk.disabled=true turns off OpenTelemetry's SDK:")
        .contains("no spans or metrics are exported")
        .contains("circuit breakers still run");
    assertThat(
            SluiceAgent.sdkDisabledNotice(
                DefaultConfigProperties.createFromMap(Map.of("otel.sdk.disabled", "true")),
                Map.<String, String>of()::get,
                Map.of("OTEL_SDK_DISABLED", "true")::get))
        .startsWith("Sluice: environment variable OTEL_SDK_DISABLED=true turns off");
    assertThat(
            SluiceAgent.sdkDisabledNotice(
                DefaultConfigProperties.createFromMap(Map.of("otel.sdk.disabled", "false")),
                Map.<String, String>of()::get,
                Map.<String, String>of()::get))
        .isNull();
    assertThat(
            SluiceAgent.sdkDisabledNotice(
                DefaultConfigProperties.createFromMap(Map.of()),
                Map.<String, String>of()::get,
                Map.<String, String>of()::get))
        .isNull();
  }

  private static String samplerNotice(
      Map<String, String> merged, Map<String, String> system, Map<String, String> environment) {
    return SluiceAgent.userSamplerNotice(
        DefaultConfigProperties.createFromMap(merged), system::get, environment::get);
  }
}
