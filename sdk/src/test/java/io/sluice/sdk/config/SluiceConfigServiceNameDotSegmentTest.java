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
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A service named {@code .} or {@code ..} is treated as one with a {@code /} ({@link
 * SluiceConfigServiceNameWithASlashTest}): etcd would take its keys ({@code
 * /sluice/v1/agents/../id}), but the control plane's URLs ({@code /api/v1/services/{service}/…})
 * are normalised by its servlet container, which drops such a segment, so the service could never
 * be looked at or given rules. Refused only with etcd endpoints, saying why; with a rules file, or
 * nothing, it is harmless: no rule document can be named so, so the file's {@code _default}
 * document applies, and one WARNING says why.
 */
class SluiceConfigServiceNameDotSegmentTest {

  @TempDir Path dir;

  @ParameterizedTest(name = "otel.service.name={0}")
  @ValueSource(strings = {".", ".."})
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
  @ValueSource(strings = {".", ".."})
  void withoutAnySourceTheNameIsTaken(String name) {
    assertThat(SluiceConfig.builder().serviceName(name).build().serviceName()).isEqualTo(name);
  }

  @ParameterizedTest(name = "otel.service.name={0}")
  @ValueSource(strings = {".", ".."})
  void withEtcdTheRefusalSaysWhyAndWhen(String name) {
    Map<String, String> environment =
        Map.of("SLUICE_ETCD_ENDPOINTS", "http://etcd:2379", "OTEL_SERVICE_NAME", name);

    assertThatThrownBy(
            () ->
                SluiceConfig.fromProperties(
                    ConfigLookup.propertiesThenEnvironment(key -> null, environment::get)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "invalid Sluice configuration:\n"
                + "  - environment variable OTEL_SERVICE_NAME="
                + name
                + ": is a dot segment, refused because environment variable SLUICE_ETCD_ENDPOINTS"
                + " is set: the name is one segment of the etcd keys"
                + " {namespace}/v1/rules/{service} and"
                + " {namespace}/v1/agents/{service}/{instanceId}, and URLs read '"
                + name
                + "' as "
                + (name.equals(".") ? "this" : "the parent")
                + " directory and drop it, so the control plane's /api/v1/services/{service}/…"
                + " could never address the service (without etcd, a rules file takes the name"
                + " and applies its _default document)");
  }

  @ParameterizedTest(name = "serviceName({0})")
  @ValueSource(strings = {"...", ".orders", "orders..", "a..b"})
  void namesThatOnlyHoldDotsAreOneSegmentLikeAnyOther(String name) {
    assertThat(
            SluiceConfig.builder()
                .addEtcdEndpoint("http://etcd:2379")
                .serviceName(name)
                .build()
                .serviceName())
        .isEqualTo(name);
  }
}
