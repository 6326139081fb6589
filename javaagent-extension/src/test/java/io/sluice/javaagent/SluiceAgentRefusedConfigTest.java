package io.sluice.javaagent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.sdk.autoconfigure.spi.internal.DefaultConfigProperties;
import io.sluice.rules.CompiledRules;
import io.sluice.rules.RuleCodec;
import io.sluice.sdk.ActiveRules;
import io.sluice.sdk.config.ConfiguredRules;
import io.sluice.sdk.source.FileRuleSource;
import io.sluice.sdk.source.LastKnownGoodStore;
import io.sluice.testing.logging.LogCapture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
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
      String refused = awaitRefusal(log);
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
      String refused = awaitRefusal(log);
      assertThat(refused)
          .contains(
              "the state directory "
                  + stateFile
                  + " (environment variable SLUICE_STATE_DIR) is a file, not a directory")
          .doesNotContain("sluice.state.dir");
    }
  }

  /**
   * Without a home the fallback's state directory lies under the temporary directory, where another
   * local user could have made {@code sluice-<user>} first, writable by all, and planted a
   * snapshot: a refused configuration's fallback reads none there, and says why in the one WARNING
   * a start with etcd gives (it made a store of its own, without that check, and ran the planted
   * rules).
   */
  @Test
  void aRefusedConfigurationReadsNoSnapshotFromAFallbackStateDirOthersCanWrite() throws Exception {
    Path planted = plantedFallback();
    Files.setPosixFilePermissions(planted, PosixFilePermissions.fromString("rwxrwxrwx"));

    assertRefusedInFallback(planted, "is writable by group or others (owner ");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(planted)))
        .as("left as found")
        .isEqualTo("rwxrwxrwx");
  }

  /** As above, for a fallback directory closed to others but made by another user. */
  @Test
  void aRefusedConfigurationReadsNoSnapshotFromAFallbackStateDirOfAnotherUser() throws Exception {
    Path planted = plantedFallback();
    Files.setPosixFilePermissions(planted, PosixFilePermissions.fromString("rwx------"));
    try {
      Files.setAttribute(planted, "unix:uid", NOBODY, LinkOption.NOFOLLOW_LINKS);
    } catch (IOException | UnsupportedOperationException notPermitted) {
      // only root may give a directory away: elsewhere the test above stands for this one
    }
    assumeTrue(
        (Integer) Files.getAttribute(planted, "unix:uid", LinkOption.NOFOLLOW_LINKS) == NOBODY,
        "giving a directory to another user needs root");

    assertRefusedInFallback(planted, "is not owned by this process's user ");
  }

  private static final int NOBODY = 65534;

  /** A fallback state directory of this user's own: its snapshot runs, said in one line. */
  @Test
  void aRefusedConfigurationRunsTheSnapshotOfItsOwnFallbackStateDir() throws Exception {
    Path own = plantedFallback();
    Files.setPosixFilePermissions(own, PosixFilePermissions.fromString("rwx------"));
    Map<String, String> jvm =
        Map.of("user.home", "?", "user.name", "app", "java.io.tmpdir", dir.toString());
    Map<String, String> typo =
        Map.of("otel.service.name", "orders", "sluice.etcd.endpoints", "ftp://127.0.0.1:2379");
    try (LogCapture rulesLog = LogCapture.of(ConfiguredRules.class)) {
      SluiceAgent agent = new SluiceAgent(hooks::add, key -> null, jvm::get);
      agent.configure(DefaultConfigProperties.createFromMap(typo));
      agent.startInBackground(MeterProvider.noop());
      await("the last-known-good rules are in force")
          .atMost(Duration.ofSeconds(20))
          .until(() -> agent.rules().current().source() == ActiveRules.Source.LAST_KNOWN_GOOD);
      assertThat(agent.rules().current().revision()).isEqualTo(66);
      assertThat(rulesLog.messages())
          .contains(
              "Sluice: running the last-known-good rules (revision 66) until the configuration"
                  + " refused above is corrected");
    }
  }

  /** {@code <tmpdir>/sluice-app} holding a good snapshot for {@code orders}, as if planted. */
  private Path plantedFallback() throws Exception {
    Path planted = Files.createDirectories(dir.resolve("sluice-app/.sluice")).getParent();
    ActiveRules lastGood =
        new ActiveRules(
            CompiledRules.compile(
                RuleCodec.parse(
                        "{\"schemaVersion\":1,\"service\":\"orders\",\"sampling\":"
                            + "{\"defaultRatio\":0.9}}")
                    .orElseThrow()),
            66,
            ActiveRules.Source.ETCD);
    assertThat(LastKnownGoodStore.create(planted.resolve(".sluice")).save("orders", lastGood))
        .isTrue();
    return planted;
  }

  private void assertRefusedInFallback(Path fallback, String problem) throws Exception {
    // a container user without a passwd entry: no home, state under the temporary directory
    Map<String, String> jvm =
        Map.of("user.home", "?", "user.name", "app", "java.io.tmpdir", dir.toString());
    Map<String, String> properties =
        Map.of(
            "otel.service.name", "orders",
            "sluice.etcd.endpoints",
                "ftp://127.0.0.1:2379"); // a typo: the configuration is refused
    try (LogCapture agentLog = LogCapture.of(SluiceAgent.class);
        LogCapture rulesLog = LogCapture.of(ConfiguredRules.class);
        LogCapture store = LogCapture.of(LastKnownGoodStore.class)) {
      SluiceAgent agent = new SluiceAgent(hooks::add, key -> null, jvm::get);
      agent.configure(DefaultConfigProperties.createFromMap(properties));
      agent.startInBackground(MeterProvider.noop());
      await("the agent says what runs")
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  agentLog.messages().stream()
                      .map(String::valueOf)
                      .anyMatch(m -> m.startsWith("Sluice: running ")));

      assertThat(agent.rules().current().source()).isEqualTo(ActiveRules.Source.DEFAULTS);
      assertThat(agentLog.messages())
          .contains(
              "Sluice: running on built-in defaults (follow the parent's sampling decision, no"
                  + " circuit breakers) until the configuration refused above is corrected");
      Path stateDir = fallback.resolve(".sluice");
      assertThat(rulesLog.records())
          .filteredOn(r -> r.getLevel().intValue() >= Level.WARNING.intValue())
          .singleElement()
          .satisfies(
              r ->
                  assertThat(r.getMessage())
                      .startsWith(
                          "Sluice neither reads nor saves last-known-good rules in "
                              + stateDir
                              + ", under the temporary directory because the JVM knows no home"
                              + " directory (user.home=?): "
                              + fallback
                              + " "
                              + problem)
                      .contains("set sluice.state.dir (SLUICE_STATE_DIR) to a directory")
                      .doesNotContain("the rules still come from etcd")
                      .doesNotContain("\n"));
      assertThat(store.records()).isEmpty();
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
              "Sluice: invalid configuration, running without etcd on the rules file"
                  + " sluice.rules.file="
                  + rules
                  + " until the settings are corrected and the app restarted: invalid Sluice"
                  + " configuration:\n  - sluice.etcd.tls.enabled=maybe: must be true or false");
    }
  }

  /**
   * A rules file set as {@code SLUICE_RULES_FILE} is named as the variable where a refused
   * configuration says it runs on it, and in the file source's lines (before: by its path alone).
   */
  @Test
  void aRulesFileFromTheEnvironmentIsNamedAsTheVariable() throws Exception {
    Path rules = dir.resolve("no-such-rules.json");
    Map<String, String> environment =
        Map.of(
            "OTEL_SERVICE_NAME", "orders",
            "SLUICE_ETCD_TLS_ENABLED", "maybe", // refused
            "SLUICE_RULES_FILE", rules.toString());
    // as the agent merges them: lower-case keys, the values of the variables
    Map<String, String> properties =
        Map.of(
            "otel.service.name", "orders",
            "sluice.etcd.tls.enabled", "maybe",
            "sluice.rules.file", rules.toString());
    try (LogCapture log = LogCapture.of(SluiceAgent.class);
        LogCapture file = LogCapture.of(FileRuleSource.class)) {
      SluiceAgent agent = new SluiceAgent(hooks::add, environment::get);
      agent.configure(DefaultConfigProperties.createFromMap(properties));
      agent.startInBackground(MeterProvider.noop());

      assertThat(log.warnings())
          .singleElement()
          .asString()
          .startsWith(
              "Sluice: invalid configuration, running without etcd on the rules file"
                  + " environment variable SLUICE_RULES_FILE="
                  + rules
                  + " until");
      await("the file source says the file is missing")
          .atMost(Duration.ofSeconds(20))
          .until(() -> !file.warnings().isEmpty());
      assertThat(file.warnings())
          .containsExactly(
              "the rules file "
                  + rules
                  + " (environment variable SLUICE_RULES_FILE) does not exist; the rules in force"
                  + " stay: the built-in defaults");
    }
  }

  /** The line refusing the last-known-good snapshot, once the background start has written it. */
  private static String awaitRefusal(LogCapture log) {
    return await("the snapshot is refused")
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                log.messages().stream()
                    .map(String::valueOf)
                    .filter(m -> m.startsWith("refusing last-known-good rules"))
                    .findFirst()
                    .orElse(null),
            m -> m != null);
  }
}
