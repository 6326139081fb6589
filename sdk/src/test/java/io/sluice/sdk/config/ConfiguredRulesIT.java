package io.sluice.sdk.config;

import static io.sluice.sdk.source.TestDocuments.document;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.sluice.rules.wire.AgentStatusCodec;
import io.sluice.rules.wire.EtcdKeys;
import io.sluice.sdk.ActiveRules;
import io.sluice.sdk.ActiveRulesHolder;
import io.sluice.sdk.source.EtcdRuleSource;
import io.sluice.sdk.source.FailingLogLines;
import io.sluice.sdk.source.LastKnownGoodStore;
import io.sluice.sdk.status.LeaseExpiry;
import io.sluice.testing.etcd.EtcdExtension;
import io.sluice.testing.logging.LogCapture;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class ConfiguredRulesIT {

  /**
   * Bound for waits that are not the measured latency: generous, because the first test in a JVM
   * loads jetcd, gRPC and Netty, which takes over ten seconds on a loaded two-core machine.
   */
  private static final Duration AWAIT = Duration.ofSeconds(30);

  @RegisterExtension static final EtcdExtension etcd = new EtcdExtension();

  @TempDir Path stateDir;

  @Test
  void startsSourceAndStatusFromPropertiesAndClosesThemTogether() throws Exception {
    Path ignoredFile = Files.writeString(stateDir.resolve("ignored.json"), "{}");
    SluiceConfig config =
        SluiceConfig.fromProperties(
            Map.of(
                    "sluice.etcd.endpoints", etcd.endpoint(),
                    "sluice.etcd.namespace", "/configured",
                    "sluice.state.dir", stateDir.toString(),
                    "sluice.rules.file", ignoredFile.toString(),
                    "otel.service.name", "checkout")
                ::get);
    EtcdKeys keys = new EtcdKeys("/configured");
    ActiveRulesHolder holder = new ActiveRulesHolder(ActiveRules.defaults("checkout"));
    ConfiguredRules live = ConfiguredRules.builder(config, holder).instanceId("agent-1").build();

    try (Client reader =
        EtcdClientFactory.create(
            SluiceConfig.builder().addEtcdEndpoint(etcd.endpoint()).serviceName("x").build())) {
      live.start();
      // the background start creates the first jetcd client of the JVM: AWAIT, not a few seconds
      assertThat(live.awaitStarted(AWAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
      assertThat(live.source()).isInstanceOf(EtcdRuleSource.class);

      long revision = etcd.server().put(keys.rules("checkout"), document("checkout", 0.5));
      await().atMost(AWAIT).until(() -> holder.current().revision() == revision);
      ByteSequence statusKey =
          ByteSequence.from(keys.agent("checkout", "agent-1"), StandardCharsets.UTF_8);
      await()
          .atMost(AWAIT)
          .until(
              () ->
                  reader
                      .getKVClient()
                      .get(statusKey)
                      .get(AWAIT.toSeconds(), TimeUnit.SECONDS)
                      .getKvs()
                      .stream()
                      .flatMap(kv -> AgentStatusCodec.parse(kv.getValue().getBytes()).stream())
                      .anyMatch(s -> s.appliedRevision() == revision));
      // saved right after the rules are published, which may be after the status write
      await()
          .atMost(AWAIT)
          .until(() -> Files.exists(stateDir.resolve("rules-checkout@configured.json")));

      LeaseExpiry expiry =
          LeaseExpiry.of(
              reader,
              reader
                  .getKVClient()
                  .get(statusKey)
                  .get(30, TimeUnit.SECONDS)
                  .getKvs()
                  .get(0)
                  .getLease());
      live.close();

      // revoked by close (which waits a little for it, etcd may finish it later on a loaded
      // machine), not expired: gone before the lease's time left, asked before the close, is up
      await()
          .atMost(expiry.left())
          .pollInterval(Duration.ofMillis(20))
          .until(
              () ->
                  reader
                      .getKVClient()
                      .get(statusKey)
                      .get(AWAIT.toSeconds(), TimeUnit.SECONDS)
                      .getKvs()
                      .isEmpty());
      assertThat(holder.current().revision()).as("the rules stay after close").isEqualTo(revision);
    }
  }

  /**
   * A line the app's log handler cannot write stops nothing: the line that says etcd runs failing
   * used to end the setup before the rule source and the status reporter existed, so the defaults
   * ran for the whole run with etcd healthy.
   */
  @Test
  void aFailingLogHandlerLeavesTheSourceAndStatusRunning() throws Exception {
    SluiceConfig config = checkoutOnEtcd("/failing-lines", stateDir);
    ActiveRulesHolder holder = new ActiveRulesHolder(ActiveRules.defaults("checkout"));
    try (FailingLogLines failing =
            FailingLogLines.once(ConfiguredRules.class, "Sluice: rules for");
        ConfiguredRules live =
            ConfiguredRules.builder(config, holder).instanceId("agent-1").build()) {
      live.start();
      assertThat(live.awaitStarted(AWAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
      assertThat(failing.failed()).isEqualTo(1);
      assertThat(live.source()).isInstanceOf(EtcdRuleSource.class);
      assertThat(live.statusReporter()).isNotNull();
      long revision =
          etcd.server()
              .put(new EtcdKeys("/failing-lines").rules("checkout"), document("checkout", 0.5));
      await().atMost(AWAIT).until(() -> holder.current().revision() == revision);
    }
  }

  /**
   * A state directory that cannot be written (here a file in its place) only costs the snapshot:
   * every document from etcd is applied, and one WARNING names the directory and its key.
   */
  @Test
  void anUnwritableStateDirectoryLeavesEveryRuleAppliedAndIsSaidOnce() throws Exception {
    Path notADirectory = Files.writeString(stateDir.resolve("state"), "a file");
    SluiceConfig config = checkoutOnEtcd("/unwritable", notADirectory);
    EtcdKeys keys = new EtcdKeys("/unwritable");
    ActiveRulesHolder holder = new ActiveRulesHolder(ActiveRules.defaults("checkout"));

    try (LogCapture log = LogCapture.of(LastKnownGoodStore.class);
        ConfiguredRules live = ConfiguredRules.builder(config, holder).build()) {
      live.start();
      assertThat(live.awaitStarted(AWAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();

      for (double ratio : new double[] {0.25, 0.5, 0.75}) {
        long revision = etcd.server().put(keys.rules("checkout"), document("checkout", ratio));
        await().atMost(AWAIT).until(() -> holder.current().revision() == revision);
        assertThat(holder.current().source()).isEqualTo(ActiveRules.Source.ETCD);
      }
      // one thread applies and saves in turn: the third document applied, the first two saves ran
      String problem =
          "the state directory " + notADirectory + " (sluice.state.dir) is a file, not a directory";
      assertThat(log.records())
          .filteredOn(r -> r.getLevel().intValue() >= Level.INFO.intValue())
          .extracting(LogRecord::getLevel, LogRecord::getMessage)
          .satisfiesExactly(
              loadedAtStart -> {
                assertThat(loadedAtStart.toList().get(0)).isEqualTo(Level.WARNING);
                assertThat((String) loadedAtStart.toList().get(1))
                    .startsWith("refusing last-known-good rules ")
                    .contains(problem);
              },
              firstSave -> {
                assertThat(firstSave.toList().get(0)).isEqualTo(Level.WARNING);
                assertThat((String) firstSave.toList().get(1))
                    .startsWith("could not save last-known-good rules ")
                    .contains(problem);
              });
    }
  }

  /**
   * Without a home, a fallback state directory another user could have made (writable by all) costs
   * only the snapshot: etcd's rules apply, nothing is kept there, and one WARNING says why.
   */
  @Test
  void aFallbackStateDirOthersCanWriteLeavesEtcdsRulesAppliedAndIsSaidOnce() throws Exception {
    Path planted = Files.createDirectory(stateDir.resolve("sluice-app"));
    Files.setPosixFilePermissions(planted, PosixFilePermissions.fromString("rwxrwxrwx"));
    Map<String, String> jvm =
        Map.of("user.home", "?", "user.name", "app", "java.io.tmpdir", stateDir.toString());
    SluiceConfig config =
        SluiceConfig.fromProperties(
            Map.of(
                    "sluice.etcd.endpoints",
                    etcd.endpoint(),
                    "sluice.etcd.namespace",
                    "/homeless",
                    "otel.service.name",
                    "checkout")
                ::get,
            jvm::get);
    EtcdKeys keys = new EtcdKeys("/homeless");
    ActiveRulesHolder holder = new ActiveRulesHolder(ActiveRules.defaults("checkout"));

    try (LogCapture log = LogCapture.of(ConfiguredRules.class);
        LogCapture store = LogCapture.of(LastKnownGoodStore.class);
        ConfiguredRules live =
            ConfiguredRules.builder(config, holder).systemProperties(jvm::get).build()) {
      live.start();
      assertThat(live.awaitStarted(AWAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();

      long revision = etcd.server().put(keys.rules("checkout"), document("checkout", 0.5));
      await().atMost(AWAIT).until(() -> holder.current().revision() == revision);
      assertThat(holder.current().source()).isEqualTo(ActiveRules.Source.ETCD);
      assertThat(holder.current().document().sampling().defaultRatio()).isEqualTo(0.5);
      assertThat(log.records())
          .filteredOn(r -> r.getLevel().intValue() >= Level.WARNING.intValue())
          .singleElement()
          .satisfies(
              r ->
                  assertThat(r.getMessage())
                      .startsWith("Sluice neither reads nor saves last-known-good rules in ")
                      .contains(planted + " is writable by group or others")
                      .contains("sluice.state.dir"));
      assertThat(store.records()).isEmpty();
      try (var kept = Files.list(planted)) {
        assertThat(kept).isEmpty();
      }
    }
  }

  /** The settings of service {@code checkout} on the test's etcd, under {@code namespace}. */
  private static SluiceConfig checkoutOnEtcd(String namespace, Path stateDir) {
    return SluiceConfig.fromProperties(
        Map.of(
                "sluice.etcd.endpoints",
                etcd.endpoint(),
                "sluice.etcd.namespace",
                namespace,
                "sluice.state.dir",
                stateDir.toString(),
                "otel.service.name",
                "checkout")
            ::get);
  }
}
