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
import io.sluice.testing.etcd.EtcdServer;
import io.sluice.testing.logging.LogCapture;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A watch of a rules document that does not change resumes near the present after a cut, not from
 * the source's first read: etcd tells it how far it has caught up. Without that, every cut (a proxy
 * ending idle streams, a member restarting) had etcd replay every revision since the read, the
 * agents' status writes among them, and once compaction passed that revision (within the hour with
 * the recommended retention), the source read everything again and said so. Its own etcd, which
 * tells watches their progress every 300 ms instead of every ten minutes.
 */
class EtcdRuleSourceProgressIT {

  private static final EtcdKeys keys = EtcdKeys.defaults();

  @Test
  void aQuietWatchResumesFromTheProgressEtcdToldIt() throws Exception {
    String service = "quiet-progress";
    ActiveRulesHolder holder = holder(service);
    try (EtcdServer etcd = EtcdServer.fromPath().withWatchProgressEvery(Duration.ofMillis(300))) {
      etcd.start();
      try (TcpProxy proxy = TcpProxy.to(etcd.port());
          Client client =
              EtcdClientFactory.create(
                  SluiceConfig.builder()
                      .addEtcdEndpoint(proxy.endpoint())
                      .serviceName(service)
                      .build());
          EtcdRuleSource source = retryingQuickly(client, holder, service).build();
          LogCapture log = LogCapture.of(EtcdRuleSource.class)) {
        source.start();
        long first = etcd.put(keys.rules(service), document(service, 0.3));
        awaitApplied(holder, first);
        await().atMost(AWAIT).until(source::isWatching);

        // other keys change, as the agents' status keys do all the time
        long busy = 0;
        for (int i = 0; i < 50; i++) {
          busy = etcd.put("/unrelated/" + service, "x" + i);
        }
        long lastWrite = busy;
        await("etcd tells the quiet watches they caught up past the other writes")
            .atMost(AWAIT)
            .until(() -> source.resumeRevision() > lastWrite);
        etcd.compact();

        proxy.cut();
        long next = etcd.put(keys.rules(service), document(service, 0.4));
        awaitApplied(holder, next);
        assertThat(source.compactionResyncs()).as("resumed after the compaction").isZero();
        assertThat(log.messages()).noneMatch(m -> m.contains("compacted its history"));
      }
    }
  }
}
