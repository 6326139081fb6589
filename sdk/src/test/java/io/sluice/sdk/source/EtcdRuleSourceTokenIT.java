package io.sluice.sdk.source;

import static io.sluice.sdk.source.EtcdRuleSources.AWAIT;
import static io.sluice.sdk.source.EtcdRuleSources.awaitApplied;
import static io.sluice.sdk.source.EtcdRuleSources.holder;
import static io.sluice.sdk.source.EtcdRuleSources.retryingQuickly;
import static io.sluice.sdk.source.TestDocuments.document;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.Client;
import io.sluice.rules.wire.EtcdKeys;
import io.sluice.sdk.ActiveRulesHolder;
import io.sluice.sdk.config.EtcdClientFactory;
import io.sluice.sdk.config.SluiceConfig;
import io.sluice.testing.etcd.EtcdKv;
import io.sluice.testing.etcd.EtcdServer;
import io.sluice.testing.logging.LogCapture;
import java.time.Duration;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;

/**
 * A watch resumed with a token etcd no longer takes (a JSON web token that expired while the watch
 * was up, or a simple token an etcd restart forgot) is refused once, before jetcd logs in again:
 * the source reads and watches again without a word. It warned "etcd is unreachable for the rules
 * of orders (… invalid auth token)", or that etcd refuses this agent, on every agent whose watch a
 * proxy cut. Its own etcd, with authentication on and tokens that expire after 2 s.
 */
class EtcdRuleSourceTokenIT {

  private static final EtcdKeys keys = EtcdKeys.defaults();

  @Test
  void aWatchResumedWithAnExpiredTokenReadsAgainQuietly() throws Exception {
    String service = "orders";
    ActiveRulesHolder holder = holder(service);
    try (EtcdServer etcd = EtcdServer.fromPath().withExpiringTokens(Duration.ofSeconds(2))) {
      etcd.start();
      etcd.enableAuthWithAgent("orders-agent", "agent-secret");
      EtcdKv root = etcd.asUser("root", "root-secret");
      try (TcpProxy proxy = TcpProxy.to(etcd.port());
          LogCapture log = LogCapture.of(EtcdRuleSource.class, Level.FINE);
          Client client =
              EtcdClientFactory.create(
                  SluiceConfig.builder()
                      .addEtcdEndpoint(proxy.endpoint())
                      .serviceName(service)
                      .etcdCredentials("orders-agent", "agent-secret")
                      .build());
          EtcdRuleSource source = retryingQuickly(client, holder, service).build()) {
        source.start();
        long first = root.put(keys.rules(service), document(service, 0.5));
        awaitApplied(holder, first);
        await().atMost(AWAIT).until(source::isWatching);
        // logged in after the source's client: once its token is refused, so is the client's
        EtcdKv probe = etcd.asUser("orders-agent", "agent-secret");
        probe.revision();
        await().atMost(Duration.ofSeconds(10)).until(probe::tokenRefused);

        proxy.cut();
        long next = root.put(keys.rules(service), document(service, 0.25));
        awaitApplied(holder, next);
        await().atMost(AWAIT).until(source::isWatching);

        assertThat(log.warnings()).as("every line: %s", log.messages()).isEmpty();
        assertThat(log.messages()).noneMatch(m -> m.startsWith("etcd answers again"));
      }
    }
  }
}
