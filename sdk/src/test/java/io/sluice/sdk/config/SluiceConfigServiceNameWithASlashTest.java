package io.sluice.sdk.config;

import static io.sluice.sdk.source.TestDocuments.document;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.rules.RuleDocument;
import io.sluice.sdk.ActiveRules;
import io.sluice.sdk.ActiveRulesHolder;
import io.sluice.testing.logging.LogCapture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code team/orders} is a fine OpenTelemetry service name. Sluice cannot use it only where the
 * name is one segment of an etcd key (the rule document's and the agent status'), so it is refused
 * only with etcd endpoints, and the refusal says exactly that. With a rules file, or nothing, it is
 * harmless: no rule document can be named so, so the file's {@code _default} document applies, as
 * for any name outside the rule language, and one WARNING says why. Before, it was refused whatever
 * the configuration, as a name that "must be a non-blank name without '/'".
 */
class SluiceConfigServiceNameWithASlashTest {

  @TempDir Path dir;

  /**
   * Also for {@code .} and {@code ..}, which are treated alike ({@link
   * SluiceConfigServiceNameDotSegmentTest}).
   */
  @ParameterizedTest(name = "otel.service.name={0}")
  @ValueSource(strings = {"team/orders", ".", ".."})
  void withARulesFileTheNameIsTakenAndTheDefaultDocumentApplies(String name) throws Exception {
    Path rules = Files.writeString(dir.resolve("rules.json"), document("_default", 0.3));
    Map<String, String> environment =
        Map.of("SLUICE_RULES_FILE", rules.toString(), "OTEL_SERVICE_NAME", name);
    SluiceConfig config =
        SluiceConfig.fromProperties(
            ConfigLookup.propertiesThenEnvironment(key -> null, environment::get));
    assertThat(config.serviceName()).isEqualTo(name);
    ActiveRulesHolder holder = new ActiveRulesHolder(ActiveRules.defaults(name));

    try (LogCapture log = LogCapture.of(ConfiguredRules.class);
        ConfiguredRules live = ConfiguredRules.builder(config, holder).build()) {
      live.start();

      assertThat(holder.current().source()).isEqualTo(ActiveRules.Source.FILE);
      assertThat(holder.current().document().service()).isEqualTo(RuleDocument.DEFAULT_SERVICE);
      assertThat(log.warnings())
          .containsExactly(
              "environment variable OTEL_SERVICE_NAME="
                  + name
                  + " can have no rule document of its own (a service name is "
                  + RuleDocument.SERVICE_NAME_RULE
                  + "); only the _default document applies");
    }
  }

  @ParameterizedTest(name = "serviceName({0})")
  @ValueSource(strings = {"team/orders", ".", ".."})
  void withoutAnySourceTheNameIsTaken(String name) {
    assertThat(SluiceConfig.builder().serviceName(name).build().serviceName()).isEqualTo(name);
  }

  @Test
  void withEtcdTheRefusalSaysWhyAndWhen() {
    Map<String, String> environment =
        Map.of("SLUICE_ETCD_ENDPOINTS", "http://etcd:2379", "OTEL_SERVICE_NAME", "team/orders");

    assertThatThrownBy(
            () ->
                SluiceConfig.fromProperties(
                    ConfigLookup.propertiesThenEnvironment(key -> null, environment::get)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "invalid Sluice configuration:\n"
                + "  - environment variable OTEL_SERVICE_NAME=team/orders: has a '/', refused"
                + " because environment variable SLUICE_ETCD_ENDPOINTS is set: the name is one"
                + " segment of the etcd keys {namespace}/v1/rules/{service} and"
                + " {namespace}/v1/agents/{service}/{instanceId}, which a '/' would split"
                + " (without etcd, a rules file takes the name and applies its _default"
                + " document)");
  }

  @Test
  void blankOrSpacedNamesAreRefusedWhateverTheSource() {
    assertThatThrownBy(() -> SluiceConfig.builder().serviceName(" team/orders").build())
        .hasMessageContaining(
            "builder().serviceName(…)= team/orders: must be a non-blank name without"
                + " surrounding spaces");
  }
}
