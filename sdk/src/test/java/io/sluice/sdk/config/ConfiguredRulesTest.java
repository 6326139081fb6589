package io.sluice.sdk.config;

import static io.sluice.sdk.source.TestDocuments.document;
import static io.sluice.sdk.source.TestDocuments.invalidDocument;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.Client;
import io.sluice.rules.CompiledRules;
import io.sluice.rules.RuleCodec;
import io.sluice.sdk.ActiveRules;
import io.sluice.sdk.ActiveRulesHolder;
import io.sluice.sdk.source.FileRuleSource;
import io.sluice.sdk.source.LastKnownGoodStore;
import io.sluice.testing.logging.LogCapture;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConfiguredRulesTest {

  @TempDir Path dir;

  private final ActiveRulesHolder holder = new ActiveRulesHolder(ActiveRules.defaults("orders"));

  @Test
  void usesTheRulesFileWithoutEtcd() throws Exception {
    Path file = Files.writeString(dir.resolve("rules.json"), document("orders", 0.4));
    SluiceConfig config = SluiceConfig.builder().rulesFile(file).serviceName("orders").build();

    try (ConfiguredRules live = ConfiguredRules.builder(config, holder).build()) {
      live.start();
      assertThat(live.awaitStarted(10, TimeUnit.SECONDS)).isTrue();

      assertThat(live.source()).isInstanceOf(FileRuleSource.class);
      assertThat(live.statusReporter()).isNull();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> holder.current().source() == ActiveRules.Source.FILE);
      assertThat(holder.current().document().sampling().defaultRatio()).isEqualTo(0.4);
    }
  }

  @Test
  void aServiceNamedWithCapitalsRunsItsOwnDocumentWithoutAWarning() throws Exception {
    Path file = Files.writeString(dir.resolve("rules.json"), document("OrderService", 0.4));
    SluiceConfig config =
        SluiceConfig.builder().rulesFile(file).serviceName("OrderService").build();

    try (LogCapture log = LogCapture.of(ConfiguredRules.class);
        ConfiguredRules live = ConfiguredRules.builder(config, holder).build()) {
      live.start();

      assertThat(holder.current().source()).isEqualTo(ActiveRules.Source.FILE);
      assertThat(holder.current().document().service()).isEqualTo("OrderService");
      assertThat(holder.current().document().sampling().defaultRatio()).isEqualTo(0.4);
      assertThat(log.records()).noneMatch(r -> r.getLevel().intValue() >= Level.WARNING.intValue());
    }
  }

  @Test
  void aServiceThatCanHaveNoDocumentIsToldWhyItRunsDefault() throws Exception {
    Path file = Files.writeString(dir.resolve("rules.json"), document("_default", 0.3));
    for (String service :
        new String[] {"Orders API", "unknown_service:java", "unknown_service api"}) {
      SluiceConfig config = SluiceConfig.builder().rulesFile(file).serviceName(service).build();
      ActiveRulesHolder rules = new ActiveRulesHolder(ActiveRules.defaults(service));

      try (LogCapture log = LogCapture.of(ConfiguredRules.class);
          ConfiguredRules live = ConfiguredRules.builder(config, rules).build()) {
        live.start();

        assertThat(rules.current().document().service()).as(service).isEqualTo("_default");
        assertThat(rules.current().document().sampling().defaultRatio()).isEqualTo(0.3);
        String warning =
            assertThat(log.records())
                .filteredOn(r -> r.getLevel().intValue() >= Level.WARNING.intValue())
                .singleElement()
                .actual()
                .getMessage();
        assertThat(warning).as(service).contains("only the _default document applies");
        if (!service.startsWith("unknown_service:")) {
          // given in code: named by the method (otel.service.name was not read)
          assertThat(warning)
              .startsWith(
                  "builder().serviceName(…)=" + service + " can have no rule document of its own")
              .contains("A-Z, a-z, 0-9");
        } else {
          // the name was OpenTelemetry's, not the user's: say what to set
          assertThat(warning)
              .startsWith("no service name is set (otel.service.name, OTEL_SERVICE_NAME")
              .contains("so Sluice names the service unknown_service:java");
        }
      }
    }
  }

  /** The agent, which read the name from {@code otel.service.name}, has the warning name it. */
  @Test
  void aServiceNameReadFromASettingIsNamedByIt() throws Exception {
    Path file = Files.writeString(dir.resolve("rules.json"), document("_default", 0.3));
    SluiceConfig config = SluiceConfig.builder().rulesFile(file).serviceName("My Svc").build();
    ActiveRulesHolder rules = new ActiveRulesHolder(ActiveRules.defaults("My Svc"));

    try (LogCapture log = LogCapture.of(ConfiguredRules.class);
        ConfiguredRules live =
            ConfiguredRules.builder(config, rules)
                .serviceNameOrigin(ConfigKeys.SERVICE_NAME)
                .build()) {
      live.start();

      assertThat(log.messages())
          .anySatisfy(
              message ->
                  assertThat(message)
                      .startsWith("otel.service.name=My Svc can have no rule document of its own"));
    }
  }

  @Test
  void hasTheRulesFileInForceWhenStartReturns() throws Exception {
    String content = document("orders", 0.4);
    Path file = Files.writeString(dir.resolve("rules.json"), content);
    SluiceConfig config = SluiceConfig.builder().rulesFile(file).serviceName("orders").build();

    try (ConfiguredRules live = ConfiguredRules.builder(config, holder).build()) {
      live.start();

      // no awaitStarted, no waiting: a local file is read before start() returns
      assertThat(holder.current().source()).isEqualTo(ActiveRules.Source.FILE);
      assertThat(holder.current().document()).isEqualTo(RuleCodec.parse(content).document());
      assertThat(live.source()).isInstanceOf(FileRuleSource.class);
      assertThat(live.awaitStarted(0, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void keepsTheDefaultsAndHoldsTheRejectionWhenTheRulesFileIsInvalidAtStart() throws Exception {
    Path file = Files.writeString(dir.resolve("rules.json"), invalidDocument("orders"));
    SluiceConfig config = SluiceConfig.builder().rulesFile(file).serviceName("orders").build();

    try (ConfiguredRules live = ConfiguredRules.builder(config, holder).build()) {
      live.start();

      assertThat(holder.current().source()).isEqualTo(ActiveRules.Source.DEFAULTS);
      assertThat(live.source()).isNotNull();
      assertThat(live.source().lastRejection()).isNotNull();
      assertThat(live.source().lastRejection().messages()).hasSize(2);
    }
  }

  /**
   * A TLS file that is missing is a configuration mistake: one warning line naming it, without a
   * stack trace, and the last-known-good rules in force.
   */
  @Test
  void aMissingTlsFileIsOneLineAndTheLastKnownGoodRulesApply() throws Exception {
    Path state = Files.createDirectories(dir.resolve("state"));
    ActiveRules lastGood =
        new ActiveRules(
            CompiledRules.compile(RuleCodec.parse(document("orders", 0.3)).orElseThrow()),
            41,
            ActiveRules.Source.ETCD);
    assertThat(LastKnownGoodStore.create(state).save("orders", lastGood)).isTrue();
    Path missing = dir.resolve("no-such-ca.pem");
    SluiceConfig config =
        SluiceConfig.fromProperties(
            Map.of(
                    "sluice.etcd.endpoints",
                    "https://127.0.0.1:2379",
                    "sluice.etcd.tls.ca-file",
                    missing.toString(),
                    "sluice.state.dir",
                    state.toString(),
                    "otel.service.name",
                    "orders")
                ::get);

    try (LogCapture log = LogCapture.of(ConfiguredRules.class);
        ConfiguredRules live = ConfiguredRules.builder(config, holder).build()) {
      live.start();
      assertThat(live.awaitStarted(10, TimeUnit.SECONDS)).isTrue();

      assertThat(holder.current().revision()).isEqualTo(41);
      assertThat(holder.current().source()).isEqualTo(ActiveRules.Source.LAST_KNOWN_GOOD);
      assertThat(log.records())
          .filteredOn(r -> r.getLevel().intValue() >= Level.WARNING.intValue())
          .singleElement()
          .satisfies(
              r -> {
                assertThat(r.getMessage())
                    .startsWith("Sluice: could not set up TLS for etcd")
                    .contains(missing.toString())
                    .doesNotContain("\n");
                assertThat(r.getThrown()).isNull();
              });
    }
  }

  /**
   * The settings warned about at start, after the configuration was accepted (a TLS file read when
   * the client is made, a state directory that is a file), are named where they were set: by their
   * environment variables here, not by keys the user never wrote.
   */
  @Test
  void settingsWarnedAboutAtStartAreNamedWhereTheyWereSet() throws Exception {
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
    ConfigLookup lookup = ConfigLookup.propertiesThenEnvironment(key -> null, environment::get);
    SluiceConfig config = SluiceConfig.fromProperties(lookup);

    try (LogCapture log = LogCapture.of(ConfiguredRules.class);
        LogCapture store = LogCapture.of(LastKnownGoodStore.class);
        ConfiguredRules live =
            ConfiguredRules.builder(config, holder).settingNames(lookup).build()) {
      live.start();
      assertThat(live.awaitStarted(10, TimeUnit.SECONDS)).isTrue();

      assertThat(log.records())
          .filteredOn(r -> r.getLevel().intValue() >= Level.WARNING.intValue())
          .extracting(r -> r.getMessage())
          .containsExactly(
              "Sluice: could not set up TLS for etcd: environment variable"
                  + " SLUICE_ETCD_TLS_CA_FILE="
                  + missing
                  + ": no such file; running without etcd until the files can be used (read again"
                  + " every 5 s)");
      assertThat(store.records())
          .filteredOn(r -> r.getLevel().intValue() >= Level.WARNING.intValue())
          .extracting(r -> r.getMessage())
          .singleElement()
          .asString()
          .contains(
              "the state directory "
                  + stateFile
                  + " (environment variable SLUICE_STATE_DIR) is a file, not a directory")
          .as("etcd is asked again once the TLS files can be used")
          .endsWith("; the built-in defaults apply until etcd answers");
    }
  }

  /**
   * A TLS file that cannot be read is known only when the client is made, after the configuration
   * was accepted: without etcd the configured rules file runs, as it does for a refused
   * configuration, ahead of the last-known-good rules; the one line says so, naming the file where
   * it was set, and no line calls the file ignored.
   */
  @Test
  void aTlsFileThatCannotBeReadRunsTheConfiguredRulesFile() throws Exception {
    Path state = Files.createDirectories(dir.resolve("state"));
    assertThat(LastKnownGoodStore.create(state).save("orders", lastGood(0.3, 41))).isTrue();
    Path missing = dir.resolve("no-such-ca.pem");
    Path rules = Files.writeString(dir.resolve("rules.json"), document("orders", 0.4));
    Map<String, String> environment =
        Map.of(
            "SLUICE_ETCD_ENDPOINTS", "https://127.0.0.1:2379",
            "SLUICE_ETCD_TLS_CA_FILE", missing.toString(),
            "SLUICE_RULES_FILE", rules.toString(),
            "SLUICE_STATE_DIR", state.toString(),
            "OTEL_SERVICE_NAME", "orders");
    ConfigLookup lookup = ConfigLookup.propertiesThenEnvironment(key -> null, environment::get);
    SluiceConfig config = SluiceConfig.fromProperties(lookup);

    try (LogCapture log = LogCapture.of(ConfiguredRules.class);
        ConfiguredRules live =
            ConfiguredRules.builder(config, holder).settingNames(lookup).build()) {
      live.start();
      assertThat(live.awaitStarted(10, TimeUnit.SECONDS)).isTrue();

      assertThat(live.source()).isInstanceOf(FileRuleSource.class);
      assertThat(live.statusReporter()).isNull();
      assertThat(holder.current().source()).isEqualTo(ActiveRules.Source.FILE);
      assertThat(holder.current().document().sampling().defaultRatio()).isEqualTo(0.4);
      assertThat(log.records())
          .filteredOn(r -> r.getLevel().intValue() >= Level.WARNING.intValue())
          .extracting(r -> r.getMessage())
          .containsExactly(
              "Sluice: could not set up TLS for etcd: environment variable"
                  + " SLUICE_ETCD_TLS_CA_FILE="
                  + missing
                  + ": no such file; running without etcd, on the rules file environment"
                  + " variable SLUICE_RULES_FILE="
                  + rules
                  + ", until the files can be used (read again every 5 s)");
      assertThat(log.messages()).as("no client, no etcd").noneMatch(m -> m.contains("from etcd"));
    }
  }

  /** The file source's lines name the rules file's setting where it was set. */
  @Test
  void theRulesFilesLinesNameItsSettingWhereItWasSet() throws Exception {
    Path rules = dir.resolve("no-such-rules.json");
    Map<String, String> environment =
        Map.of("SLUICE_RULES_FILE", rules.toString(), "OTEL_SERVICE_NAME", "orders");
    ConfigLookup lookup = ConfigLookup.propertiesThenEnvironment(key -> null, environment::get);
    SluiceConfig config = SluiceConfig.fromProperties(lookup);

    try (LogCapture log = LogCapture.of(FileRuleSource.class);
        ConfiguredRules live =
            ConfiguredRules.builder(config, holder).settingNames(lookup).build()) {
      live.start();

      assertThat(log.warnings())
          .containsExactly(
              "the rules file "
                  + rules
                  + " (environment variable SLUICE_RULES_FILE) does not exist; the rules in force"
                  + " stay: the built-in defaults");
    }
  }

  /**
   * A configuration built in code names its settings by the builder methods that set them, at start
   * too, given {@link ConfigLookup#givenInCode()}: by key, the caller would look for a {@code
   * sluice.rules.file} it never wrote.
   */
  @Test
  void settingsGivenInCodeAreNamedByTheirBuilderMethods() throws Exception {
    Path rules = dir.resolve("no-such-rules.json");
    SluiceConfig config = SluiceConfig.builder().rulesFile(rules).serviceName("orders").build();

    try (LogCapture log = LogCapture.of(FileRuleSource.class);
        ConfiguredRules live =
            ConfiguredRules.builder(config, holder)
                .settingNames(ConfigLookup.givenInCode())
                .build()) {
      live.start();

      assertThat(log.warnings())
          .containsExactly(
              "the rules file "
                  + rules
                  + " (builder().rulesFile(…)) does not exist; the rules in force stay: the"
                  + " built-in defaults");
    }
  }

  /**
   * Any other failure to make the client runs the configured rules file too, and says so once,
   * naming the file as the configuration was given (built in code: by the builder method). So does
   * a {@code LinkageError} (an app whose gRPC, Netty or Vert.x clashes with the client's): before,
   * it skipped the file, and the built-in defaults ran.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"IllegalStateException", "NoClassDefFoundError"})
  void aClientThatCannotBeMadeRunsTheConfiguredRulesFile(String failure) throws Exception {
    Path rules = Files.writeString(dir.resolve("rules.json"), document("orders", 0.4));
    SluiceConfig config =
        SluiceConfig.builder()
            .addEtcdEndpoint("http://127.0.0.1:1")
            .rulesFile(rules)
            .serviceName("orders")
            .stateDir(dir.resolve("state"))
            .build();

    try (LogCapture log = LogCapture.of(ConfiguredRules.class);
        ConfiguredRules live =
            ConfiguredRules.builder(config, holder)
                .clients(
                    c -> {
                      if (failure.equals("NoClassDefFoundError")) {
                        throw new NoClassDefFoundError("no channel");
                      }
                      throw new IllegalStateException("no channel");
                    })
                .build()) {
      live.start();
      assertThat(live.awaitStarted(10, TimeUnit.SECONDS)).isTrue();

      assertThat(live.source()).isInstanceOf(FileRuleSource.class);
      assertThat(holder.current().source()).isEqualTo(ActiveRules.Source.FILE);
      assertThat(log.records())
          .filteredOn(r -> r.getLevel().intValue() >= Level.WARNING.intValue())
          .singleElement()
          .satisfies(
              r -> {
                assertThat(r.getLevel()).isEqualTo(Level.SEVERE);
                assertThat(r.getMessage())
                    .isEqualTo(
                        "Sluice could not create its etcd client (no channel); running without"
                            + " etcd until a restart, on the rules file builder().rulesFile(…)="
                            + rules);
              });
    }
  }

  /** With the client made, etcd wins: the rules file is said to be ignored, named where set. */
  @Test
  void aRulesFileIsIgnoredOnceTheClientIsMade() throws Exception {
    Path rules = Files.writeString(dir.resolve("rules.json"), document("orders", 0.4));
    Map<String, String> environment =
        Map.of(
            "SLUICE_ETCD_ENDPOINTS",
            "http://127.0.0.1:1",
            "SLUICE_RULES_FILE",
            rules.toString(),
            "SLUICE_STATE_DIR",
            dir.resolve("state").toString(),
            "OTEL_SERVICE_NAME",
            "orders");
    ConfigLookup lookup = ConfigLookup.propertiesThenEnvironment(key -> null, environment::get);
    SluiceConfig config = SluiceConfig.fromProperties(lookup);

    try (LogCapture log = LogCapture.of(ConfiguredRules.class);
        ConfiguredRules live =
            ConfiguredRules.builder(config, holder).settingNames(lookup).build()) {
      live.start();
      // a real jetcd client, maybe the JVM's first: class loading is slow on two loaded cores
      assertThat(live.awaitStarted(60, TimeUnit.SECONDS)).isTrue();

      assertThat(live.source()).isNotInstanceOf(FileRuleSource.class).isNotNull();
      assertThat(log.records())
          .filteredOn(r -> r.getLevel().intValue() >= Level.WARNING.intValue())
          .extracting(r -> r.getMessage())
          .containsExactly(
              "environment variable SLUICE_RULES_FILE="
                  + rules
                  + " is ignored: environment variable SLUICE_ETCD_ENDPOINTS is set and etcd"
                  + " wins");
      // the start line says etcd only now that its client is made, and before the file's warning
      assertThat(log.messages())
          .startsWith(
              "Sluice: rules for 'orders' from etcd [http://127.0.0.1:1], status reported under"
                  + " /sluice/v1/agents/orders/",
              "environment variable SLUICE_RULES_FILE="
                  + rules
                  + " is ignored: environment variable SLUICE_ETCD_ENDPOINTS is set and etcd"
                  + " wins");
    }
  }

  /**
   * A container user without a passwd entry ({@code user.home=?}) keeps state under the temporary
   * directory: said once at start, with the directory, the reason and the key.
   */
  @Test
  void aStateDirUnderTheTemporaryDirectoryIsSaidOnceAtStart() throws Exception {
    Map<String, String> jvm =
        Map.of("user.home", "?", "user.name", "app", "java.io.tmpdir", dir.toString());
    SluiceConfig config =
        SluiceConfig.fromProperties(
            Map.of(
                    "sluice.etcd.endpoints",
                    "https://127.0.0.1:2379",
                    "sluice.etcd.tls.ca-file",
                    dir.resolve("no-such-ca.pem").toString(),
                    "otel.service.name",
                    "orders")
                ::get,
            jvm::get);
    assertThat(config.stateDir()).isEqualTo(dir.resolve("sluice-app/.sluice"));

    try (LogCapture log = LogCapture.of(ConfiguredRules.class);
        ConfiguredRules live =
            ConfiguredRules.builder(config, holder).systemProperties(jvm::get).build()) {
      live.start();
      live.start();
      assertThat(live.awaitStarted(10, TimeUnit.SECONDS)).isTrue();

      assertThat(log.records())
          .filteredOn(r -> r.getMessage().startsWith("Sluice keeps its last-known-good rules in "))
          .singleElement()
          .satisfies(
              r -> {
                assertThat(r.getLevel()).isEqualTo(Level.WARNING);
                assertThat(r.getMessage())
                    .contains(config.stateDir() + ", under the temporary directory")
                    .contains("user.home=?")
                    // read with a plain lookup, which names its values by their keys
                    .contains("set sluice.state.dir to a directory");
              });
    }
  }

  /**
   * Without a home, another local user could make {@code <tmpdir>/sluice-<user>} first, writable by
   * all, and plant a snapshot there: it is never read, and one WARNING says why and what to set.
   */
  @Test
  void aFallbackStateDirThatOthersCanWriteIsNeitherReadNorWritten() throws Exception {
    Path planted = Files.createDirectories(dir.resolve("sluice-app/.sluice")).getParent();
    Files.setPosixFilePermissions(planted, PosixFilePermissions.fromString("rwxrwxrwx"));
    assertThat(
            LastKnownGoodStore.create(planted.resolve(".sluice")).save("orders", lastGood(0.9, 66)))
        .isTrue();

    assertRefusedAtStart(planted, "is writable by group or others (owner ");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(planted)))
        .as("left as found")
        .isEqualTo("rwxrwxrwx");
  }

  @Test
  void aSymbolicLinkInPlaceOfTheFallbackStateDirIsRefused() throws Exception {
    Path elsewhere = Files.createDirectories(dir.resolve("mallory/.sluice")).getParent();
    Files.setPosixFilePermissions(elsewhere, PosixFilePermissions.fromString("rwx------"));
    assertThat(
            LastKnownGoodStore.create(elsewhere.resolve(".sluice"))
                .save("orders", lastGood(0.9, 66)))
        .isTrue();
    Path link = Files.createSymbolicLink(dir.resolve("sluice-app"), elsewhere);

    assertRefusedAtStart(link, "is a symbolic link (to " + elsewhere + ")");
  }

  /**
   * What to set is named as the caller's {@link ConfiguredRules.Builder#settingNames} name it: the
   * builder method for a configuration made in code, the key and its variable for the agent's
   * lookup; before, always {@code sluice.state.dir (or SLUICE_STATE_DIR)}.
   */
  @Test
  void aRefusedFallbackStateDirIsToldByTheGivenSettingNames() throws Exception {
    Path planted = Files.createDirectories(dir.resolve("sluice-app/.sluice")).getParent();
    Files.setPosixFilePermissions(planted, PosixFilePermissions.fromString("rwxrwxrwx"));
    String problem = "is writable by group or others (owner ";

    assertRefusedAtStart(
        planted, problem, ConfigLookup.givenInCode(), "set builder().stateDir(…) to a directory");
    assertRefusedAtStart(
        planted,
        problem,
        ConfigLookup.propertiesThenEnvironment(key -> null, key -> null),
        "set sluice.state.dir (SLUICE_STATE_DIR) to a directory");
  }

  /**
   * While the TLS files cannot be used they are read again quietly: one WARNING per problem,
   * however many tries (here the files are written after the third, with a key that does not fit),
   * and {@link ConfiguredRules#close()} ends the wait: the start thread does not outlive it.
   */
  @Test
  void tlsFilesAreReadAgainQuietlyUntilClosed() throws Exception {
    AtomicInteger tries = new AtomicInteger();
    AtomicReference<Thread> trying = new AtomicReference<>();
    ConfiguredRules live =
        ConfiguredRules.builder(etcdWithoutTls(Map.of(), Map.of()), holder)
            .tlsRetry(Duration.ofMillis(20))
            .clients(
                c -> {
                  trying.set(Thread.currentThread());
                  throw new EtcdTlsException(
                      tries.incrementAndGet() <= 3
                          ? "could not set up TLS for etcd: not yet"
                          : "could not set up TLS for etcd: the key does not fit",
                      null);
                })
            .build();
    // closed in any case: a start thread left waiting would log into later tests' captures
    try (live;
        LogCapture log = LogCapture.of(ConfiguredRules.class)) {
      live.start();
      assertThat(live.awaitStarted(10, TimeUnit.SECONDS)).isTrue();
      await().atMost(Duration.ofSeconds(10)).until(() -> tries.get() >= 8);
      assertThat(log.warnings())
          .containsExactly(
              "Sluice: could not set up TLS for etcd: not yet; running without etcd until the"
                  + " files can be used (read again every 20 ms)",
              "Sluice: could not set up TLS for etcd: the key does not fit; running without etcd"
                  + " until the files can be used (read again every 20 ms)");
      Thread starter = trying.get();
      assertThat(starter.getName()).isEqualTo("sluice-rules-start");

      live.close();
      starter.join(TimeUnit.SECONDS.toMillis(10));
      assertThat(starter.isAlive()).as("the start thread after close()").isFalse();
    }
  }

  /**
   * A client that cannot be made for another reason than its TLS files runs without etcd until a
   * restart: the refused state directory's line says that the built-in defaults run until then.
   */
  @Test
  void aRefusedFallbackStateDirWithoutAClientSaysTheDefaultsRunUntilARestart() throws Exception {
    Path planted = Files.createDirectories(dir.resolve("sluice-app/.sluice")).getParent();
    Files.setPosixFilePermissions(planted, PosixFilePermissions.fromString("rwxrwxrwx"));

    assertRefusedAtStart(
        planted,
        "is writable by group or others (owner ",
        null,
        "set sluice.state.dir to a directory",
        true);
  }

  private void assertRefusedAtStart(Path fallback, String problem) throws Exception {
    assertRefusedAtStart(fallback, problem, null, "set sluice.state.dir to a directory");
  }

  private void assertRefusedAtStart(
      Path fallback, String problem, ConfigLookup settingNames, String advice) throws Exception {
    assertRefusedAtStart(fallback, problem, settingNames, advice, false);
  }

  /**
   * Starts without a home, the fallback state directory refused for {@code problem}; the etcd
   * client cannot be made for its TLS file, or, with {@code clientFails}, for another reason.
   */
  private void assertRefusedAtStart(
      Path fallback, String problem, ConfigLookup settingNames, String advice, boolean clientFails)
      throws Exception {
    Map<String, String> jvm =
        Map.of("user.home", "?", "user.name", "app", "java.io.tmpdir", dir.toString());
    SluiceConfig config = etcdWithoutTls(Map.of(), jvm);
    assertThat(config.stateDir()).isEqualTo(fallback.resolve(".sluice"));
    ConfiguredRules.Builder builder =
        ConfiguredRules.builder(config, holder).systemProperties(jvm::get);
    if (settingNames != null) {
      builder.settingNames(settingNames);
    }
    if (clientFails) {
      builder.clients(
          c -> {
            throw new IllegalStateException("no channel");
          });
    }

    try (LogCapture log = LogCapture.of(ConfiguredRules.class);
        LogCapture store = LogCapture.of(LastKnownGoodStore.class);
        ConfiguredRules live = builder.build()) {
      live.start();
      assertThat(live.awaitStarted(10, TimeUnit.SECONDS)).isTrue();

      assertThat(holder.current().source()).isEqualTo(ActiveRules.Source.DEFAULTS);
      assertThat(log.records())
          .filteredOn(r -> r.getLevel().intValue() >= Level.WARNING.intValue())
          .filteredOn(r -> !r.getMessage().startsWith("Sluice: could not set up TLS"))
          .filteredOn(r -> !r.getMessage().startsWith("Sluice could not create its etcd client"))
          .singleElement()
          .satisfies(
              r ->
                  assertThat(r.getMessage())
                      .startsWith(
                          "Sluice neither reads nor saves last-known-good rules in "
                              + config.stateDir()
                              + ", under the temporary directory because the JVM knows no home"
                              + " directory (user.home=?): "
                              + fallback
                              + " "
                              + problem)
                      .contains(advice)
                      // no client yet: the rules come from etcd once the TLS files can be used;
                      // none at all: no rules come from etcd before a restart
                      .contains(
                          clientFails
                              ? "with no rules from etcd before a restart, the built-in defaults"
                              : "the rules still come from etcd, but an agent that starts while"
                                  + " etcd is away runs the built-in defaults")
                      .doesNotContain("\n"));
      assertThat(store.records()).isEmpty();
    }
  }

  @Test
  void aFreshFallbackStateDirIsCreatedOwnerOnly() throws Exception {
    Map<String, String> jvm =
        Map.of("user.home", "?", "user.name", "app", "java.io.tmpdir", dir.toString());
    SluiceConfig config = etcdWithoutTls(Map.of(), jvm);

    try (LogCapture log = LogCapture.of(ConfiguredRules.class);
        ConfiguredRules live =
            ConfiguredRules.builder(config, holder).systemProperties(jvm::get).build()) {
      live.start();
      assertThat(live.awaitStarted(10, TimeUnit.SECONDS)).isTrue();

      assertThat(
              PosixFilePermissions.toString(
                  Files.getPosixFilePermissions(dir.resolve("sluice-app"))))
          .isEqualTo("rwx------");
      assertThat(log.messages()).noneMatch(m -> m.startsWith("Sluice neither reads nor saves"));
    }
  }

  /**
   * The notice of a state directory kept under the temporary directory names what to set as the
   * given {@link ConfiguredRules.Builder#settingNames} name it, as the refusal does; before, always
   * {@code sluice.state.dir (or SLUICE_STATE_DIR)}.
   */
  @Test
  void aStateDirUnderTheTemporaryDirectoryIsToldByTheGivenSettingNames() throws Exception {
    Map<String, String> jvm =
        Map.of("user.home", "?", "user.name", "app", "java.io.tmpdir", dir.toString());
    SluiceConfig config = etcdWithoutTls(Map.of(), jvm);

    try (LogCapture log = LogCapture.of(ConfiguredRules.class);
        ConfiguredRules live =
            ConfiguredRules.builder(config, holder)
                .systemProperties(jvm::get)
                .settingNames(ConfigLookup.givenInCode())
                .build()) {
      live.start();
      assertThat(live.awaitStarted(10, TimeUnit.SECONDS)).isTrue();

      assertThat(log.messages())
          .filteredOn(m -> m.startsWith("Sluice keeps its last-known-good rules in "))
          .singleElement()
          .asString()
          .contains("set builder().stateDir(…) to a directory this user can write")
          .doesNotContain("sluice.state.dir");
    }
  }

  /** A state directory set with {@code sluice.state.dir} is the user's: used as it is. */
  @Test
  void aConfiguredStateDirIsNotCheckedEvenWithoutAHome() throws Exception {
    Path state = Files.createDirectories(dir.resolve("shared/state"));
    Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwxrwxrwx"));
    assertThat(LastKnownGoodStore.create(state).save("orders", lastGood(0.3, 41))).isTrue();
    Map<String, String> jvm =
        Map.of("user.home", "?", "user.name", "app", "java.io.tmpdir", dir.toString());
    SluiceConfig config = etcdWithoutTls(Map.of("sluice.state.dir", state.toString()), jvm);

    try (LogCapture log = LogCapture.of(ConfiguredRules.class);
        ConfiguredRules live =
            ConfiguredRules.builder(config, holder).systemProperties(jvm::get).build()) {
      live.start();
      assertThat(live.awaitStarted(10, TimeUnit.SECONDS)).isTrue();

      assertThat(holder.current().source()).isEqualTo(ActiveRules.Source.LAST_KNOWN_GOOD);
      assertThat(holder.current().revision()).isEqualTo(41);
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(state)))
          .isEqualTo("rwxrwxrwx");
      assertThat(dir.resolve("sluice-app")).doesNotExist();
      assertThat(log.messages()).noneMatch(m -> m.startsWith("Sluice neither reads nor saves"));
    }
  }

  /** etcd over TLS with a CA file that does not exist: no etcd, the last-known-good rules only. */
  private SluiceConfig etcdWithoutTls(Map<String, String> more, Map<String, String> jvm) {
    Map<String, String> properties = new HashMap<>(more);
    properties.put("sluice.etcd.endpoints", "https://127.0.0.1:2379");
    properties.put("sluice.etcd.tls.ca-file", dir.resolve("no-such-ca.pem").toString());
    properties.put("otel.service.name", "orders");
    return SluiceConfig.fromProperties(properties::get, jvm::get);
  }

  @Test
  void aStateDirInTheHomeIsNotSaid() throws Exception {
    Map<String, String> jvm =
        Map.of("user.home", dir.toString(), "user.name", "app", "java.io.tmpdir", "/tmp");
    SluiceConfig config =
        SluiceConfig.fromProperties(
            Map.of(
                    "sluice.etcd.endpoints",
                    "https://127.0.0.1:2379",
                    "sluice.etcd.tls.ca-file",
                    dir.resolve("no-such-ca.pem").toString(),
                    "otel.service.name",
                    "orders")
                ::get,
            jvm::get);

    try (LogCapture log = LogCapture.of(ConfiguredRules.class);
        ConfiguredRules live =
            ConfiguredRules.builder(config, holder).systemProperties(jvm::get).build()) {
      live.start();
      assertThat(live.awaitStarted(10, TimeUnit.SECONDS)).isTrue();

      assertThat(log.messages()).noneMatch(m -> m.startsWith("Sluice keeps its last-known-good"));
    }
  }

  /** Two agents of a service on one host, one per namespace: each starts on its own rules. */
  @Test
  void startsOnTheLastKnownGoodRulesOfItsOwnNamespace() throws Exception {
    Path state = Files.createDirectories(dir.resolve("state"));
    LastKnownGoodStore.create(state).save("orders", lastGood(0.3, 41));
    LastKnownGoodStore.builder(state)
        .namespace("/staging")
        .build()
        .save("orders", lastGood(0.9, 52));
    SluiceConfig config =
        SluiceConfig.fromProperties(
            Map.of(
                    "sluice.etcd.endpoints",
                    "https://127.0.0.1:2379",
                    "sluice.etcd.namespace",
                    "/staging",
                    "sluice.etcd.tls.ca-file",
                    dir.resolve("no-such-ca.pem").toString(),
                    "sluice.state.dir",
                    state.toString(),
                    "otel.service.name",
                    "orders")
                ::get);

    try (ConfiguredRules live = ConfiguredRules.builder(config, holder).build()) {
      live.start();
      assertThat(live.awaitStarted(10, TimeUnit.SECONDS)).isTrue();

      assertThat(holder.current().source()).isEqualTo(ActiveRules.Source.LAST_KNOWN_GOOD);
      assertThat(holder.current().revision()).isEqualTo(52);
    }
  }

  private static ActiveRules lastGood(double ratio, long revision) {
    return new ActiveRules(
        CompiledRules.compile(RuleCodec.parse(document("orders", ratio)).orElseThrow()),
        revision,
        ActiveRules.Source.ETCD);
  }

  @Test
  void runsOnTheDefaultsWhenNothingIsConfigured() throws Exception {
    try (ConfiguredRules live =
        ConfiguredRules.builder(SluiceConfig.builder().build(), holder).build()) {
      live.start();
      assertThat(live.awaitStarted(10, TimeUnit.SECONDS)).isTrue();

      assertThat(live.source()).isNull();
      assertThat(live.statusReporter()).isNull();
      assertThat(holder.current().source()).isEqualTo(ActiveRules.Source.DEFAULTS);
    }
  }

  @Test
  void closeDoesNotWaitForAStartStillCreatingTheClientWhichThenClosesIt() throws Exception {
    // the agent closes from a shutdown hook: an app whose main returned while the client was still
    // being made (over a second of class loading through the agent) waited up to 2 s to exit
    CountDownLatch creating = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicBoolean clientClosed = new AtomicBoolean();
    SluiceConfig config =
        SluiceConfig.builder()
            .addEtcdEndpoint("http://127.0.0.1:1")
            .serviceName("orders")
            .stateDir(dir)
            .build();
    ConfiguredRules live =
        ConfiguredRules.builder(config, holder)
            .clients(
                c -> {
                  creating.countDown();
                  try {
                    release.await(60, TimeUnit.SECONDS);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  Client real = EtcdClientFactory.create(c);
                  return (Client)
                      Proxy.newProxyInstance(
                          Client.class.getClassLoader(),
                          new Class<?>[] {Client.class},
                          (proxy, method, args) -> {
                            if (method.getName().equals("close")) {
                              clientClosed.set(true);
                            }
                            return method.invoke(real, args);
                          });
                })
            .build();
    live.start();
    assertThat(creating.await(10, TimeUnit.SECONDS)).isTrue();

    // the creation is held until close() returns: a close() that waited for the start to end
    // would never return
    Thread closing = new Thread(live::close, "closing");
    closing.start();
    await("close() returns while the start still creates the client")
        .atMost(Duration.ofSeconds(30))
        .until(() -> !closing.isAlive());

    release.countDown();
    // the start now creates a real jetcd client, maybe the JVM's first (gRPC, Netty, Vert.x
    // loading take over ten seconds on a loaded two-core machine)
    assertThat(live.awaitStarted(60, TimeUnit.SECONDS)).isTrue();
    assertThat(clientClosed).as("the start closes the client it made after close()").isTrue();
    assertThat(live.source()).isNull();
    assertThat(live.statusReporter()).isNull();
  }

  @Test
  void closingBeforeStartingIsHarmless() {
    ConfiguredRules live = ConfiguredRules.builder(SluiceConfig.builder().build(), holder).build();
    live.close();
    live.start();

    assertThat(live.source()).isNull();
  }
}
