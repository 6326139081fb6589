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
import io.sluice.testing.etcd.EtcdExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
                  reader.getKVClient().get(statusKey).get(5, TimeUnit.SECONDS).getKvs().stream()
                      .flatMap(kv -> AgentStatusCodec.parse(kv.getValue().getBytes()).stream())
                      .anyMatch(s -> s.appliedRevision() == revision));
      // saved right after the rules are published, which may be after the status write
      await()
          .atMost(AWAIT)
          .until(() -> Files.exists(stateDir.resolve("rules-checkout@configured.json")));

      live.close();

      // revoked by close (which waits up to 2 s for it, etcd may finish a little later on a
      // loaded machine), not expired: the 10 s lease would outlive this bound by far
      await()
          .atMost(Duration.ofSeconds(4))
          .pollInterval(Duration.ofMillis(20))
          .until(
              () ->
                  reader.getKVClient().get(statusKey).get(5, TimeUnit.SECONDS).getKvs().isEmpty());
      assertThat(holder.current().revision()).as("the rules stay after close").isEqualTo(revision);
    }
  }
}
