package io.sluice.sdk.config;

import static io.sluice.sdk.source.TestDocuments.document;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.sdk.ActiveRules;
import io.sluice.sdk.ActiveRulesHolder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An instance id is the last segment of the agent status key {@code
 * {namespace}/v1/agents/{service}/{instanceId}}. With etcd, one that cannot be that segment (a
 * {@code /} would split it; the control plane's URLs drop a {@code .} or {@code ..} segment) is
 * refused by {@link ConfiguredRules.Builder#build()}, saying why, instead of by the status reporter
 * on the background thread that starts etcd, which left the etcd rules unread. Without etcd no
 * status is reported and any instance id is taken, as a service name with a {@code /} is.
 */
class ConfiguredRulesInstanceIdTest {

  @TempDir Path dir;

  private final ActiveRulesHolder holder = new ActiveRulesHolder(ActiveRules.defaults("orders"));

  @ParameterizedTest(name = "instanceId({0})")
  @ValueSource(strings = {".", "..", "pod/7", " "})
  void withEtcdTheRefusalSaysWhyAndWhen(String instanceId) {
    SluiceConfig config =
        SluiceConfig.builder().addEtcdEndpoint("http://etcd:2379").serviceName("orders").build();

    assertThatThrownBy(() -> ConfiguredRules.builder(config, holder).instanceId(instanceId).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "ConfiguredRules.builder(…).instanceId(…)="
                + instanceId
                + ": refused because builder().addEtcdEndpoint(…) is set: the instance id is the"
                + " last segment of the etcd key {namespace}/v1/agents/{service}/{instanceId}, and"
                + " an instance id must ")
        .hasMessageEndingWith(
            "got '"
                + instanceId
                + "' (without etcd no status is reported and the instance id is not used)");
  }

  @ParameterizedTest(name = "instanceId({0})")
  @ValueSource(strings = {".", ".."})
  void aDotSegmentIsRefusedAsOneURLsDrop(String instanceId) {
    SluiceConfig config =
        SluiceConfig.builder().addEtcdEndpoint("http://etcd:2379").serviceName("orders").build();

    assertThatThrownBy(() -> ConfiguredRules.builder(config, holder).instanceId(instanceId).build())
        .hasMessageContaining(
            "an instance id must not be '.' or '..', which URLs and paths read as this or the"
                + " parent directory and drop, got '"
                + instanceId
                + "'");
  }

  @ParameterizedTest(name = "instanceId({0})")
  @ValueSource(strings = {".", "..", "pod/7"})
  void withARulesFileTheInstanceIdIsNotUsedAndTaken(String instanceId) throws Exception {
    Path rules = Files.writeString(dir.resolve("rules.json"), document("orders", 0.3));
    SluiceConfig config = SluiceConfig.builder().rulesFile(rules).serviceName("orders").build();

    try (ConfiguredRules live =
        ConfiguredRules.builder(config, holder).instanceId(instanceId).build()) {
      live.start();

      assertThat(holder.current().source()).isEqualTo(ActiveRules.Source.FILE);
      assertThat(live.statusReporter()).isNull();
    }
  }
}
