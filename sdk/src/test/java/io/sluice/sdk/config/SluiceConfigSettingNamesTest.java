package io.sluice.sdk.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.sdk.ActiveRules;
import io.sluice.sdk.ActiveRulesHolder;
import io.sluice.sdk.source.FileRuleSource;
import io.sluice.sdk.source.LastKnownGoodStore;
import io.sluice.testing.logging.LogCapture;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A configuration remembers how each of its settings was given ({@link
 * SluiceConfig#settingNames()}), so that {@link ConfiguredRules} and {@link EtcdClientFactory},
 * given no names of their own, name a setting as the user gave it. Before, {@code
 * SluiceConfig.fromSystem()} followed by {@code ConfiguredRules} without {@code settingNames} (the
 * sdk README's sample) named a setting given as {@code SLUICE_STATE_DIR} as {@code
 * sluice.state.dir}, which the user would look for in vain among the JVM's flags.
 */
class SluiceConfigSettingNamesTest {

  @TempDir Path dir;

  private final ActiveRulesHolder holder = new ActiveRulesHolder(ActiveRules.defaults("orders"));

  @Test
  void aConfigurationReadFromTheEnvironmentNamesItsSettingsThereWithoutBeingToldAgain()
      throws Exception {
    Path missing = dir.resolve("no-such-ca.pem");
    Path stateFile = Files.writeString(dir.resolve("state"), "not a directory");
    Map<String, String> environment =
        Map.of(
            "SLUICE_ETCD_ENDPOINTS",
            "https://127.0.0.1:2379",
            "SLUICE_ETCD_TLS_CA_FILE",
            missing.toString(),
            "SLUICE_STATE_DIR",
            stateFile.toString(),
            "OTEL_SERVICE_NAME",
            "orders");
    SluiceConfig config =
        SluiceConfig.fromProperties(
            ConfigLookup.propertiesThenEnvironment(key -> null, environment::get));

    try (LogCapture log = LogCapture.of(ConfiguredRules.class);
        LogCapture store = LogCapture.of(LastKnownGoodStore.class);
        ConfiguredRules live = ConfiguredRules.builder(config, holder).build()) {
      live.start();
      assertThat(live.awaitStarted(10, TimeUnit.SECONDS)).isTrue();

      assertThat(log.warnings())
          .containsExactly(
              "Sluice: could not set up TLS for etcd: environment variable"
                  + " SLUICE_ETCD_TLS_CA_FILE="
                  + missing
                  + ": no such file; running without etcd until the files can be used (read again"
                  + " every 5 s)");
      assertThat(store.warnings())
          .singleElement()
          .asString()
          .contains(
              "the state directory "
                  + stateFile
                  + " (environment variable SLUICE_STATE_DIR) is a file, not a directory");
    }
    assertThatThrownBy(() -> EtcdClientFactory.create(config))
        .isInstanceOf(EtcdTlsException.class)
        .hasMessage(
            "could not set up TLS for etcd: environment variable SLUICE_ETCD_TLS_CA_FILE="
                + missing
                + ": no such file");
  }

  @Test
  void aRulesFileFromTheEnvironmentIsNamedThereByTheFileSource() throws Exception {
    Path rules = dir.resolve("no-such-rules.json");
    Map<String, String> environment = Map.of("SLUICE_RULES_FILE", rules.toString());
    SluiceConfig config =
        SluiceConfig.fromProperties(
            SluiceConfig.propertiesThenEnvironment(key -> null, environment::get));

    try (LogCapture log = LogCapture.of(FileRuleSource.class);
        ConfiguredRules live = ConfiguredRules.builder(config, holder).build()) {
      live.start();

      assertThat(log.warnings())
          .containsExactly(
              "the rules file "
                  + rules
                  + " (environment variable SLUICE_RULES_FILE) does not exist; the rules in force"
                  + " stay: the built-in defaults");
    }
  }

  @Test
  void aConfigurationBuiltInCodeNamesItsSettingsByTheBuilderMethods() throws Exception {
    Path rules = dir.resolve("no-such-rules.json");
    SluiceConfig config = SluiceConfig.builder().rulesFile(rules).serviceName("orders").build();

    try (LogCapture log = LogCapture.of(FileRuleSource.class);
        ConfiguredRules live = ConfiguredRules.builder(config, holder).build()) {
      live.start();

      assertThat(log.warnings())
          .singleElement()
          .asString()
          .startsWith("the rules file " + rules + " (builder().rulesFile(…)) does not exist");
    }
  }

  /** Rebuilt, a setting keeps its name; one given to the builder is named by the method. */
  @Test
  void aRebuiltConfigurationNamesWhatTheBuilderChangedByTheMethod() {
    Map<String, String> environment =
        Map.of("SLUICE_RULES_FILE", "/etc/sluice/rules.json", "SLUICE_STATE_DIR", "/var/sluice");
    SluiceConfig read =
        SluiceConfig.fromProperties(
            ConfigLookup.propertiesThenEnvironment(key -> null, environment::get));

    SluiceConfig rebuilt = read.toBuilder().rulesFile(Path.of("/opt/rules.json")).build();

    assertThat(rebuilt.settingNames().origin(ConfigKeys.RULES_FILE))
        .isEqualTo("builder().rulesFile(…)");
    assertThat(rebuilt.settingNames().origin(ConfigKeys.STATE_DIR))
        .isEqualTo("environment variable SLUICE_STATE_DIR");
    assertThat(rebuilt.settingNames().missing(ConfigKeys.ETCD_USER))
        .isEqualTo("sluice.etcd.user (SLUICE_ETCD_USER)");
    assertThat(read.toBuilder().build().settingNames()).isEqualTo(read.settingNames());
  }

  /** The names are no part of the value: equal settings are equal however they were given. */
  @Test
  void namesDoNotChangeEquality() {
    Map<String, String> environment =
        Map.of("SLUICE_RULES_FILE", "/etc/sluice/rules.json", "SLUICE_STATE_DIR", "/var/sluice");
    SluiceConfig read =
        SluiceConfig.fromProperties(
            ConfigLookup.propertiesThenEnvironment(key -> null, environment::get));
    SluiceConfig built =
        SluiceConfig.builder()
            .rulesFile(Path.of("/etc/sluice/rules.json"))
            .stateDir(Path.of("/var/sluice"))
            .build();

    assertThat(built).isEqualTo(read).hasSameHashCodeAs(read);
    assertThat(built.settingNames()).isNotEqualTo(read.settingNames());
    assertThat(read.toString()).doesNotContain("settingNames");
  }

  /** The names record no value: a lookup that reads a password later could leak it. */
  @Test
  void theRecordedNamesReadNoValue() {
    Map<String, String> environment =
        Map.of("SLUICE_ETCD_USER", "agent", "SLUICE_ETCD_PASSWORD", "s3cret");
    SluiceConfig read =
        SluiceConfig.fromProperties(
            ConfigLookup.propertiesThenEnvironment(key -> null, environment::get));

    assertThat(read.settingNames().value(ConfigKeys.ETCD_PASSWORD)).isNull();
    assertThat(read.settingNames().origin(ConfigKeys.ETCD_PASSWORD))
        .isEqualTo("environment variable SLUICE_ETCD_PASSWORD");
  }

  /** A configuration made with the constructor names TLS files by its parameters, made or not. */
  @Test
  void theConstructorsConfigurationNamesItsTlsFilesByItsParameter() {
    Path missing = dir.resolve("no-such-ca.pem");
    SluiceConfig config =
        new SluiceConfig(
            List.of(URI.create("https://etcd:2379")),
            "/sluice",
            null,
            null,
            new EtcdTls(missing, null, null, null, null),
            null,
            dir,
            "orders");

    assertThatThrownBy(() -> EtcdClientFactory.create(config))
        .isInstanceOf(EtcdTlsException.class)
        .hasMessage(
            "could not set up TLS for etcd: new SluiceConfig(…, tls, …).caFile()="
                + missing
                + ": no such file");
  }
}
