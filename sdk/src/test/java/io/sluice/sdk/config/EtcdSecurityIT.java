package io.sluice.sdk.config;

import static io.sluice.sdk.source.TestDocuments.document;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.sluice.rules.CompiledRules;
import io.sluice.rules.RuleCodec;
import io.sluice.rules.RuleDocument;
import io.sluice.rules.wire.EtcdKeys;
import io.sluice.sdk.ActiveRules;
import io.sluice.sdk.ActiveRulesHolder;
import io.sluice.sdk.source.EtcdRuleSource;
import io.sluice.sdk.source.LastKnownGoodStore;
import io.sluice.sdk.status.StatusReporter;
import io.sluice.testing.etcd.EtcdKv;
import io.sluice.testing.etcd.EtcdServer;
import io.sluice.testing.etcd.TestCertificates;
import io.sluice.testing.logging.LogCapture;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The etcd security settings of ARCHITECTURE.md, from properties to a working rule source, against
 * real etcd processes: one serving mutual TLS with certificates issued for the test, one with
 * authentication enabled and a user limited to Sluice's keys.
 */
class EtcdSecurityIT {

  /** Generous: the first jetcd client of a JVM loads gRPC and Netty. */
  private static final Duration AWAIT = Duration.ofSeconds(30);

  private static final EtcdKeys KEYS = EtcdKeys.defaults();

  @TempDir static Path pki;
  private static TestCertificates certificates;
  private static EtcdServer tlsEtcd;
  private static EtcdServer authEtcd;

  @BeforeAll
  static void startServers() {
    certificates = TestCertificates.issue(pki);
    tlsEtcd = EtcdServer.fromPath().withClientTls(certificates);
    tlsEtcd.start();
    authEtcd = EtcdServer.fromPath();
    authEtcd.start();
  }

  @AfterAll
  static void stopServers() {
    if (tlsEtcd != null) {
      tlsEtcd.close();
    }
    if (authEtcd != null) {
      authEtcd.close();
    }
  }

  @Test
  void rulesArriveOverMutualTlsConfiguredByProperties() throws Exception {
    SluiceConfig config =
        config(
            "sluice.etcd.endpoints", tlsEtcd.tlsEndpoint(),
            "sluice.etcd.tls.ca-file", certificates.caCert().toString(),
            "sluice.etcd.tls.cert-file", certificates.clientCert().toString(),
            "sluice.etcd.tls.key-file", certificates.clientKey().toString());
    assertThat(config.tls()).isNotNull();

    ActiveRulesHolder holder = new ActiveRulesHolder(ActiveRules.defaults("orders"));
    try (Client client = EtcdClientFactory.create(config);
        EtcdRuleSource source = EtcdRuleSource.builder(client, holder, "orders").build()) {
      source.start();
      long revision = tlsEtcd.put(KEYS.rules("orders"), document("orders", 0.25));
      await().atMost(AWAIT).until(() -> holder.current().revision() == revision);
      assertThat(holder.current().document().sampling().defaultRatio()).isEqualTo(0.25);
    }
  }

  /**
   * Certificates rotated in place (a Kubernetes secret renewed by cert-manager): etcd restarted
   * with a new CA and server certificate, the client's files replaced with ones the new CA issued.
   * The client made before reconnects with the new files, and a rule written after is applied.
   * Before, its TLS context held the files' first content for the life of the client: every
   * reconnection failed its handshake, and the agent ran without etcd until a restart.
   */
  @Test
  void aClientReconnectsWithItsRotatedCertificates(@TempDir Path dir) throws Exception {
    TestCertificates before = TestCertificates.issue(dir.resolve("before"));
    TestCertificates after = TestCertificates.issue(dir.resolve("after"));
    Path server = Files.createDirectories(dir.resolve("server"));
    Path mounted = Files.createDirectories(dir.resolve("client"));
    TestCertificates serverFiles =
        new TestCertificates(
            server.resolve("ca.pem"),
            server.resolve("server.pem"),
            server.resolve("server.key"),
            before.clientCert(),
            before.clientKey(),
            before.otherCaCert());
    rotate(before, serverFiles, mounted);
    ActiveRulesHolder holder = new ActiveRulesHolder(ActiveRules.defaults("orders"));
    try (EtcdServer etcd = EtcdServer.fromPath().withClientTls(serverFiles)) {
      etcd.start();
      SluiceConfig config =
          config(
              "sluice.etcd.endpoints", etcd.tlsEndpoint(),
              "sluice.etcd.tls.ca-file", mounted.resolve("ca.pem").toString(),
              "sluice.etcd.tls.cert-file", mounted.resolve("tls.crt").toString(),
              "sluice.etcd.tls.key-file", mounted.resolve("tls.key").toString());
      try (Client client = EtcdClientFactory.create(config);
          EtcdRuleSource source = EtcdRuleSource.builder(client, holder, "orders").build()) {
        source.start();
        long first = etcd.put(KEYS.rules("orders"), document("orders", 0.25));
        await().atMost(AWAIT).until(() -> holder.current().revision() == first);

        etcd.stop();
        rotate(after, serverFiles, mounted);
        etcd.start();
        long second = etcd.put(KEYS.rules("orders"), document("orders", 0.75));

        await("the rule written after the rotation")
            .atMost(AWAIT)
            .until(() -> holder.current().revision() == second);
        assertThat(holder.current().document().sampling().defaultRatio()).isEqualTo(0.75);
      }
    }
  }

  /**
   * TLS files written after the start (a Vault or SPIFFE agent that issues the certificate once the
   * app runs): the rules file runs meanwhile, and etcd takes over once the files can be used, its
   * rules applied and the status reported. Before, the agent ran without etcd until a restart. The
   * last-known-good rules stored from an earlier run are not put in force at the takeover: they
   * would set the file's rules back until etcd answered.
   */
  @Test
  void etcdTakesOverOnceItsTlsFilesAreWritten(@TempDir Path dir) throws Exception {
    Path mounted = dir.resolve("client");
    Path rules = Files.writeString(dir.resolve("rules.json"), document("orders", 0.4));
    long stored = tlsEtcd.put(KEYS.rules("orders"), document("orders", 0.6));
    ActiveRules earlier =
        new ActiveRules(
            CompiledRules.compile(RuleCodec.parse(document("orders", 0.9)).orElseThrow()),
            1,
            ActiveRules.Source.ETCD);
    assertThat(LastKnownGoodStore.create(dir.resolve("state")).save("orders", earlier)).isTrue();
    SluiceConfig config =
        config(
            "sluice.etcd.endpoints", tlsEtcd.tlsEndpoint(),
            "sluice.etcd.tls.ca-file", mounted.resolve("ca.pem").toString(),
            "sluice.etcd.tls.cert-file", mounted.resolve("tls.crt").toString(),
            "sluice.etcd.tls.key-file", mounted.resolve("tls.key").toString(),
            "sluice.rules.file", rules.toString(),
            "sluice.state.dir", dir.resolve("state").toString());
    ActiveRulesHolder holder = new ActiveRulesHolder(ActiveRules.defaults("orders"));
    List<Double> ratios = new CopyOnWriteArrayList<>();
    holder.addListener(r -> ratios.add(r.document().sampling().defaultRatio()));
    try (LogCapture log = LogCapture.of(ConfiguredRules.class);
        ConfiguredRules live =
            ConfiguredRules.builder(config, holder)
                .instanceId("orders-tls-late")
                .tlsRetry(Duration.ofMillis(200))
                .build()) {
      live.start();
      assertThat(live.awaitStarted(30, TimeUnit.SECONDS)).isTrue();
      assertThat(holder.current().source()).isEqualTo(ActiveRules.Source.FILE);
      assertThat(holder.current().document().sampling().defaultRatio()).isEqualTo(0.4);
      assertThat(live.statusReporter()).isNull();

      Files.createDirectories(mounted);
      Files.copy(certificates.caCert(), mounted.resolve("ca.pem"));
      Files.copy(certificates.clientCert(), mounted.resolve("tls.crt"));
      Files.copy(certificates.clientKey(), mounted.resolve("tls.key"));

      await("the rules stored in etcd")
          .atMost(AWAIT)
          .until(() -> holder.current().revision() == stored);
      assertThat(holder.current().source()).isEqualTo(ActiveRules.Source.ETCD);
      assertThat(live.source()).isInstanceOf(EtcdRuleSource.class);
      await("the status reported")
          .atMost(AWAIT)
          .until(() -> tlsEtcd.get(KEYS.agent("orders", "orders-tls-late")).isPresent());
      assertThat(log.messages())
          .contains(
              "Sluice: the etcd TLS files can be used now; the rules file is no longer followed"
                  + " and the rules come from etcd");
      assertThat(ratios).as("the rules put in force, in turn").containsExactly(0.4, 0.6);
    }
  }

  /**
   * Copies the CA, the server's certificate and key of {@code issued} over {@code server}'s files,
   * and the CA, the client's certificate and key over the client's mounted ones.
   */
  private static void rotate(TestCertificates issued, TestCertificates server, Path mounted)
      throws Exception {
    Files.copy(issued.caCert(), server.caCert(), StandardCopyOption.REPLACE_EXISTING);
    Files.copy(issued.serverCert(), server.serverCert(), StandardCopyOption.REPLACE_EXISTING);
    Files.copy(issued.serverKey(), server.serverKey(), StandardCopyOption.REPLACE_EXISTING);
    Files.copy(issued.caCert(), mounted.resolve("ca.pem"), StandardCopyOption.REPLACE_EXISTING);
    Files.copy(
        issued.clientCert(), mounted.resolve("tls.crt"), StandardCopyOption.REPLACE_EXISTING);
    Files.copy(issued.clientKey(), mounted.resolve("tls.key"), StandardCopyOption.REPLACE_EXISTING);
  }

  @Test
  void aClientWithoutACertificateIsRefused() {
    SluiceConfig config =
        config(
            "sluice.etcd.endpoints", tlsEtcd.tlsEndpoint(),
            "sluice.etcd.tls.ca-file", certificates.caCert().toString());
    try (Client client = EtcdClientFactory.create(config)) {
      assertThatThrownBy(() -> read(client, KEYS.rules("orders")))
          .isInstanceOf(ExecutionException.class);
    }
  }

  @Test
  void aClientThatTrustsAnotherAuthorityIsRefused() {
    SluiceConfig config =
        config(
            "sluice.etcd.endpoints", tlsEtcd.tlsEndpoint(),
            "sluice.etcd.tls.ca-file", certificates.otherCaCert().toString(),
            "sluice.etcd.tls.cert-file", certificates.clientCert().toString(),
            "sluice.etcd.tls.key-file", certificates.clientKey().toString());
    try (Client client = EtcdClientFactory.create(config)) {
      assertThatThrownBy(() -> read(client, KEYS.rules("orders")))
          .isInstanceOf(ExecutionException.class)
          .hasStackTraceContaining("PKIX path building failed");
    }
  }

  @Test
  void rulesArriveWithUserAndPasswordOnceAuthIsOn() throws Exception {
    authEtcd.enableAuthWithAgent("orders-agent", "agent-secret");

    ActiveRulesHolder holder = new ActiveRulesHolder(ActiveRules.defaults("orders"));
    SluiceConfig agent =
        config(
            "sluice.etcd.endpoints", authEtcd.endpoint(),
            "sluice.etcd.user", "orders-agent",
            "sluice.etcd.password", "agent-secret");
    try (Client client = EtcdClientFactory.create(agent);
        EtcdRuleSource source = EtcdRuleSource.builder(client, holder, "orders").build()) {
      source.start();
      long revision =
          authEtcd
              .asUser("root", "root-secret")
              .put(KEYS.rules("orders"), document("orders", 0.75));
      await().atMost(AWAIT).until(() -> holder.current().revision() == revision);
      assertThat(holder.current().document().sampling().defaultRatio()).isEqualTo(0.75);
    }

    SluiceConfig wrongPassword =
        config(
            "sluice.etcd.endpoints", authEtcd.endpoint(),
            "sluice.etcd.user", "orders-agent",
            "sluice.etcd.password", "guessed");
    try (Client client = EtcdClientFactory.create(wrongPassword)) {
      assertThatThrownBy(() -> read(client, KEYS.rules("orders")))
          .isInstanceOf(ExecutionException.class)
          .hasStackTraceContaining("authentication failed");
    }
    // the rule source says so as a refusal to fix, not as an outage ("etcd is unreachable")
    assertThat(refusalLine(wrongPassword))
        .contains("authentication failed")
        .contains("check sluice.etcd.user and sluice.etcd.password")
        .doesNotContain("guessed");
    // an agent without credentials is told that none is set, not to check a user it has not got
    assertThat(refusalLine(config("sluice.etcd.endpoints", authEtcd.endpoint())))
        .contains("etcd needs credentials and none is set: set sluice.etcd.user")
        .doesNotContain("check sluice.etcd.user");
  }

  /**
   * The one line a rule source configured by {@code config} says of etcd's refusal (it says nothing
   * of an outage meanwhile).
   */
  private static String refusalLine(SluiceConfig config) throws Exception {
    try (io.sluice.testing.logging.LogCapture log =
            io.sluice.testing.logging.LogCapture.of(EtcdRuleSource.class);
        Client client = EtcdClientFactory.create(config);
        EtcdRuleSource source =
            EtcdRuleSource.builder(
                    client, new ActiveRulesHolder(ActiveRules.defaults("orders")), "orders")
                .etcdCredentials(config.etcdCredentials())
                .build()) {
      source.start();
      await()
          .atMost(AWAIT)
          .until(() -> log.messages().stream().anyMatch(m -> m.contains("etcd refuses")));
      assertThat(log.messages()).noneMatch(m -> m.contains("is unreachable"));
      List<String> refusals =
          log.messages().stream().filter(m -> m.contains("etcd refuses")).toList();
      assertThat(refusals).hasSize(1);
      return refusals.get(0);
    }
  }

  /**
   * The least an agent's etcd user needs, as the README gives it: read the rule documents, write
   * its own service's status keys. With only that, rules arrive and the status is written, while
   * the rule documents stay the control plane's to write: a compromised app holding its agent's
   * credentials cannot change any service's rules, nor report for another service.
   */
  @Test
  void anAgentNeedsOnlyToReadTheRulesAndWriteItsOwnStatus() throws Exception {
    try (EtcdServer etcd = EtcdServer.fromPath()) {
      etcd.start();
      etcd.addUser("root", "root-secret", "root");
      etcd.addReadOnlyPrefixRole("sluice-rules-reader", KEYS.rulesPrefix());
      etcd.addPrefixRole("sluice-status-orders", KEYS.agentsPrefix("orders"));
      etcd.addUser("orders-agent", "agent-secret", "sluice-rules-reader", "sluice-status-orders");
      etcd.enableAuth();
      runsAsTheOrdersAgent(etcd);
    }
  }

  /**
   * Stricter, as the README offers it: the two rule documents an agent reads, its service's and
   * {@code _default}, by their exact keys, so that its user cannot read other services' rules
   * either.
   */
  @Test
  void anAgentNeedsToReadOnlyItsOwnAndTheDefaultRuleDocument() throws Exception {
    try (EtcdServer etcd = EtcdServer.fromPath()) {
      etcd.start();
      etcd.addUser("root", "root-secret", "root");
      etcd.addReadOnlyKeyRole(
          "sluice-rules-orders", KEYS.rules("orders"), KEYS.rules(RuleDocument.DEFAULT_SERVICE));
      etcd.addPrefixRole("sluice-status-orders", KEYS.agentsPrefix("orders"));
      etcd.addUser("orders-agent", "agent-secret", "sluice-rules-orders", "sluice-status-orders");
      etcd.enableAuth();
      runsAsTheOrdersAgent(etcd);
    }
  }

  /**
   * A status reporter closed while its client's token has expired (etcd's JSON web tokens expire a
   * fixed time after they are issued, used or not; the reporter makes no call for a minute when
   * nothing changes) still deletes its key at once: the revoke is refused for the token, jetcd logs
   * in again and retries, all within the reporter's revoke timeout. With jetcd's default retry
   * delay (500 ms) the retry came after the timeout, and the key lived on for its lease's TTL, the
   * agent listed though gone.
   */
  @Test
  void aReporterClosedWithAnExpiredTokenStillDeletesItsKey() throws Exception {
    try (EtcdServer etcd = EtcdServer.fromPath().withExpiringTokens(Duration.ofSeconds(2))) {
      etcd.start();
      etcd.enableAuthWithAgent("orders-agent", "agent-secret");
      SluiceConfig agent =
          config(
              "sluice.etcd.endpoints", etcd.endpoint(),
              "sluice.etcd.user", "orders-agent",
              "sluice.etcd.password", "agent-secret");
      EtcdKv root = etcd.asUser("root", "root-secret");
      ActiveRulesHolder holder = new ActiveRulesHolder(ActiveRules.defaults("orders"));
      try (Client client = EtcdClientFactory.create(agent);
          StatusReporter status = StatusReporter.builder(client, "orders", holder).build()) {
        status.start();
        await().atMost(AWAIT).until(() -> root.get(status.key()).isPresent());
        // logged in after the reporter's client: once its token is refused, so is the client's
        EtcdKv probe = etcd.asUser("orders-agent", "agent-secret");
        probe.revision();
        await().atMost(Duration.ofSeconds(10)).until(probe::tokenRefused);

        status.close();

        assertThat(root.get(status.key())).isEmpty();
      }
    }
  }

  /**
   * Runs an agent's rule source and status reporter for {@code orders} as the user {@code
   * orders-agent}: rules arrive and the status is written, while writing a rule document or another
   * service's status is refused.
   */
  private static void runsAsTheOrdersAgent(EtcdServer etcd) throws Exception {
    SluiceConfig agent =
        config(
            "sluice.etcd.endpoints", etcd.endpoint(),
            "sluice.etcd.user", "orders-agent",
            "sluice.etcd.password", "agent-secret");
    EtcdKv root = etcd.asUser("root", "root-secret");
    ActiveRulesHolder holder = new ActiveRulesHolder(ActiveRules.defaults("orders"));
    try (Client client = EtcdClientFactory.create(agent);
        EtcdRuleSource source = EtcdRuleSource.builder(client, holder, "orders").build();
        StatusReporter status =
            StatusReporter.builder(client, "orders", holder).addRuleSource(source).build()) {
      source.start();
      status.start();
      long revision = root.put(KEYS.rules("orders"), document("orders", 0.5));
      await().atMost(AWAIT).until(() -> holder.current().revision() == revision);
      await().atMost(AWAIT).until(() -> root.get(status.key()).isPresent());
      assertThat(status.key()).startsWith(KEYS.agentsPrefix("orders"));
      for (String key : List.of(KEYS.rules("orders"), KEYS.agent("payments", "forged"))) {
        assertThatThrownBy(
                () ->
                    client
                        .getKVClient()
                        .put(bytes(key), bytes("{}"))
                        .get(AWAIT.toSeconds(), TimeUnit.SECONDS))
            .as(key)
            .isInstanceOf(ExecutionException.class)
            .hasStackTraceContaining("permission denied");
      }
    }
  }

  /**
   * Reads {@code key}, failing with the ExecutionException of a refusal. Bounded by AWAIT, not a
   * few seconds: the first read of a JVM loads gRPC and Netty, and a refusal must not turn into a
   * TimeoutException on a loaded machine.
   */
  private static void read(Client client, String key) throws Exception {
    client.getKVClient().get(bytes(key)).get(AWAIT.toSeconds(), TimeUnit.SECONDS);
  }

  private static SluiceConfig config(String... keyValues) {
    Map<String, String> properties = new LinkedHashMap<>();
    properties.put("otel.service.name", "orders");
    for (int i = 0; i < keyValues.length; i += 2) {
      properties.put(keyValues[i], keyValues[i + 1]);
    }
    return SluiceConfig.fromProperties(properties::get);
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
