package io.sluice.javaagent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.sdk.autoconfigure.spi.internal.DefaultConfigProperties;
import io.sluice.sdk.ActiveRules;
import io.sluice.sdk.source.LastKnownGoodStore;
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
 * A refused configuration runs without etcd until a restart: on a valid rules file when one is
 * configured; otherwise a last-known-good snapshot that cannot be used is said to leave the
 * built-in defaults in force, not to do so "until etcd answers", which no etcd will.
 */
class SluiceAgentRefusedConfigTest {

  @TempDir Path dir;

  private final List<Thread> hooks = new ArrayList<>();

  @AfterEach
  void runHooks() {
    hooks.forEach(Thread::run); // closes whatever a test started
  }

  @Test
  void aRefusedSnapshotLeavesTheDefaultsWithoutWaitingForEtcd() throws Exception {
    Path stateFile = Files.writeString(dir.resolve("state"), "not a directory");
    Map<String, String> properties =
        Map.of(
            "otel.service.name", "orders",
            "sluice.etcd.endpoints", "ftp://127.0.0.1:2379", // a typo: the configuration is refused
            "sluice.state.dir", stateFile.toString());
    try (LogCapture log = LogCapture.of(LastKnownGoodStore.class)) {
      SluiceAgent agent = new SluiceAgent(hooks::add);
      agent.configure(DefaultConfigProperties.createFromMap(properties));
      agent.startInBackground(MeterProvider.noop());
      String refused =
          await("the snapshot is refused")
              .atMost(Duration.ofSeconds(20))
              .until(
                  () ->
                      log.messages().stream()
                          .map(String::valueOf)
                          .filter(m -> m.startsWith("refusing last-known-good rules"))
                          .findFirst()
                          .orElse(null),
                  m -> m != null);
      assertThat(refused)
          .contains("is a file, not a directory")
          .endsWith("; the built-in defaults apply");
    }
  }

  /**
   * The fallback keeps a state directory set as {@code SLUICE_STATE_DIR}: what is said of it names
   * the variable (before: {@code sluice.state.dir}, a key the user never wrote, as the lookup that
   * knew where each setting was set was dropped with the refused configuration).
   */
  @Test
  void aKeptStateDirFromTheEnvironmentIsNamedAsTheVariable() throws Exception {
    Path stateFile = Files.writeString(dir.resolve("state"), "not a directory");
    Map<String, String> environment =
        Map.of(
            "OTEL_SERVICE_NAME", "orders",
            "SLUICE_ETCD_ENDPOINTS", "ftp://127.0.0.1:2379", // refused
            "SLUICE_STATE_DIR", stateFile.toString());
    // as the agent merges them: lower-case keys, the values of the variables
    Map<String, String> properties =
        Map.of(
            "otel.service.name", "orders",
            "sluice.etcd.endpoints", "ftp://127.0.0.1:2379",
            "sluice.state.dir", stateFile.toString());
    try (LogCapture log = LogCapture.of(LastKnownGoodStore.class)) {
      SluiceAgent agent = new SluiceAgent(hooks::add, environment::get);
      agent.configure(DefaultConfigProperties.createFromMap(properties));
      agent.startInBackground(MeterProvider.noop());
      String refused =
          await("the snapshot is refused")
              .atMost(Duration.ofSeconds(20))
              .until(
                  () ->
                      log.messages().stream()
                          .map(String::valueOf)
                          .filter(m -> m.startsWith("refusing last-known-good rules"))
                          .findFirst()
                          .orElse(null),
                  m -> m != null);
      assertThat(refused)
          .contains(
              "the state directory "
                  + stateFile
                  + " (environment variable SLUICE_STATE_DIR) is a file, not a directory")
          .doesNotContain("sluice.state.dir");
    }
  }

  @Test
  void aTypoInAnEtcdSettingLeavesAValidRulesFileInForce() throws Exception {
    // was: the whole configuration was dropped, the rules file with it: no breakers at all
    Path rules =
        Files.writeString(
            dir.resolve("rules.json"),
            "{\"schemaVersion\":1,\"service\":\"orders\",\"sampling\":{\"defaultRatio\":0.5}}");
    Map<String, String> properties =
        Map.of(
            "otel.service.name",
            "orders",
            "sluice.etcd.tls.enabled",
            "maybe",
            "sluice.rules.file",
            rules.toString(),
            "sluice.state.dir",
            dir.resolve("state").toString());
    try (LogCapture log = LogCapture.of(SluiceAgent.class)) {
      SluiceAgent agent = new SluiceAgent(hooks::add);
      agent.configure(DefaultConfigProperties.createFromMap(properties));
      agent.startInBackground(MeterProvider.noop());

      await("the rules file is in force")
          .atMost(Duration.ofSeconds(20))
          .until(() -> agent.rules().current().source() == ActiveRules.Source.FILE);
      assertThat(agent.rules().current().document().sampling().defaultRatio()).isEqualTo(0.5);
      assertThat(log.warnings())
          .containsExactly(
              "Sluice: invalid configuration, running without etcd on the rules file "
                  + rules
                  + " until the settings are corrected and the app restarted: invalid Sluice"
                  + " configuration:\n  - sluice.etcd.tls.enabled=maybe: must be true or false");
    }
  }
}
