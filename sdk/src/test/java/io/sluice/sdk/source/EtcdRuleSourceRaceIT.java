package io.sluice.sdk.source;

import static io.sluice.sdk.source.TestDocuments.document;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.PutOption;
import io.sluice.rules.wire.EtcdKeys;
import io.sluice.sdk.ActiveRules;
import io.sluice.sdk.ActiveRulesHolder;
import io.sluice.sdk.config.EtcdClientFactory;
import io.sluice.sdk.config.SluiceConfig;
import io.sluice.testing.etcd.EtcdExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Review: the service document and {@code _default} are watched on two independent streams, so
 * events of the same revision can be applied in either order, and a state that never existed in
 * etcd can be published.
 */
class EtcdRuleSourceRaceIT {

  private static final Duration AWAIT = Duration.ofSeconds(30);

  @RegisterExtension static final EtcdExtension etcd = new EtcdExtension();

  private final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  /**
   * In one etcd transaction (one revision) the service's own document is deleted and a {@code
   * _default} document is created. At no revision is "no document at all" true, so the built-in
   * defaults (keep everything, no breakers) must never be published.
   */
  @Test
  void neverPublishesBuiltInDefaultsWhenOwnDocumentIsReplacedByDefaultInOneRevision()
      throws Exception {
    Client client =
        EtcdClientFactory.create(
            SluiceConfig.builder().addEtcdEndpoint(etcd.endpoint()).serviceName("t").build());
    toClose.add(client);
    int glitches = 0;
    int rounds = 12;
    for (int round = 0; round < rounds; round++) {
      String service = "svc-" + round;
      EtcdKeys keys = new EtcdKeys("/race-" + round);
      long own = etcd.server().put(keys.rules(service), document(service, 0.3));
      ActiveRulesHolder holder = new ActiveRulesHolder(ActiveRules.defaults(service));
      List<ActiveRules.Source> published = new CopyOnWriteArrayList<>();
      holder.addListener(r -> published.add(r.source()));
      EtcdRuleSource source = EtcdRuleSource.builder(client, holder, service).keys(keys).build();
      toClose.add(source);
      source.start();
      await().atMost(AWAIT).until(() -> holder.current().revision() == own && source.isWatching());
      published.clear();

      client
          .getKVClient()
          .txn()
          .Then(
              Op.delete(bytes(keys.rules(service)), DeleteOption.DEFAULT),
              Op.put(
                  bytes(keys.rules("_default")),
                  bytes(document("_default", 0.05)),
                  PutOption.DEFAULT))
          .commit()
          .get(10, TimeUnit.SECONDS);

      await()
          .atMost(AWAIT)
          .until(() -> holder.current().source() == ActiveRules.Source.ETCD_DEFAULT);
      if (published.contains(ActiveRules.Source.DEFAULTS)) {
        glitches++;
      }
      source.close();
    }
    System.out.println("[review] built-in defaults published in " + glitches + "/" + rounds);
    assertThat(glitches)
        .as("rounds in which the built-in defaults were published although _default existed")
        .isZero();
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
