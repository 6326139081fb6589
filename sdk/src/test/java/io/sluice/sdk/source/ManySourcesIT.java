package io.sluice.sdk.source;

import static io.sluice.sdk.source.TestDocuments.document;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.Client;
import io.sluice.rules.wire.EtcdKeys;
import io.sluice.sdk.ActiveRules;
import io.sluice.sdk.ActiveRulesHolder;
import io.sluice.sdk.config.EtcdClientFactory;
import io.sluice.sdk.config.SluiceConfig;
import io.sluice.testing.etcd.EtcdExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Many agents watching one etcd, as in a fleet: one client and one source each, in one JVM. */
class ManySourcesIT {

  @RegisterExtension static final EtcdExtension etcd = new EtcdExtension();

  private static final int SOURCES = 100;
  private static final String SERVICE = "fleet";

  private final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  @Test
  void aHundredSourcesWithTheirOwnClientsAllApplyAChange() {
    EtcdKeys keys = EtcdKeys.defaults();
    long first = etcd.server().put(keys.rules(SERVICE), document(SERVICE, 0.1));
    List<ActiveRulesHolder> holders = new ArrayList<>();
    List<EtcdRuleSource> sources = new ArrayList<>();
    long starting = System.nanoTime();
    for (int i = 0; i < SOURCES; i++) {
      Client client =
          EtcdClientFactory.create(
              SluiceConfig.builder().addEtcdEndpoint(etcd.endpoint()).serviceName(SERVICE).build());
      toClose.add(client);
      ActiveRulesHolder holder = new ActiveRulesHolder(ActiveRules.defaults(SERVICE));
      EtcdRuleSource source = EtcdRuleSource.builder(client, holder, SERVICE).build();
      toClose.add(source);
      source.start();
      holders.add(holder);
      sources.add(source);
    }
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> sources.stream().allMatch(EtcdRuleSource::isWatching));
    assertThat(holders).allSatisfy(h -> assertThat(h.current().revision()).isEqualTo(first));
    System.out.println(
        "[measure] "
            + SOURCES
            + " sources started and watching in "
            + (System.nanoTime() - starting) / 1_000_000
            + " ms");

    long written = System.nanoTime();
    AtomicLong lastApplied = new AtomicLong();
    ConcurrentHashMap<Integer, Long> appliedAt = new ConcurrentHashMap<>();
    for (int i = 0; i < SOURCES; i++) {
      int index = i;
      holders
          .get(i)
          .addListener(
              rules -> {
                long now = System.nanoTime();
                appliedAt.put(index, now);
                lastApplied.accumulateAndGet(now, Math::max);
              });
    }
    long change = etcd.server().put(keys.rules(SERVICE), document(SERVICE, 0.9));
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(10))
        .until(
            () ->
                holders.stream().allMatch(h -> h.current().revision() == change)
                    // listeners run just after a holder's snapshot is swapped
                    && appliedAt.size() == SOURCES);

    long lastMillis = (lastApplied.get() - written) / 1_000_000;
    long firstMillis =
        (appliedAt.values().stream().mapToLong(Long::longValue).min().orElseThrow() - written)
            / 1_000_000;
    System.out.println(
        "[measure] "
            + SOURCES
            + " sources applied one change: first after "
            + firstMillis
            + " ms, last after "
            + lastMillis
            + " ms");
    assertThat(appliedAt).hasSize(SOURCES);
    assertThat(holders)
        .allSatisfy(
            h -> assertThat(h.current().document().sampling().defaultRatio()).isEqualTo(0.9));
  }
}
