package io.sluice.controlplane.rules;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import io.sluice.controlplane.etcd.EtcdGateway;
import io.sluice.controlplane.etcd.TestGateways;
import io.sluice.controlplane.history.HistoryRetention;
import io.sluice.controlplane.history.HistorySettings;
import io.sluice.controlplane.history.TestHistoryCodecs;
import io.sluice.rules.RuleCodec;
import io.sluice.rules.wire.EtcdKeys;
import io.sluice.testing.etcd.EtcdExtension;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Each service keeps its newest {@code sluice.history.max-entries-per-service} history entries; the
 * older ones are deleted as its rules are written (puts, deletes), and no other service's are
 * touched. Without a bound, every entry stays. Real etcd, real store.
 */
class HistoryRetentionIT {

  @RegisterExtension static final EtcdExtension etcd = new EtcdExtension();

  private static final EtcdKeys KEYS = EtcdKeys.defaults();
  private static Client client;
  private static EtcdGateway gateway;

  @BeforeAll
  static void connect() {
    client = Client.builder().endpoints(etcd.endpoint()).build();
    gateway = TestGateways.on(client, Duration.ofSeconds(10));
  }

  @AfterAll
  static void disconnect() {
    client.close();
  }

  private static RuleStore store(int maxEntries) {
    return new RuleStore(
        gateway,
        TestHistoryCodecs.plain(),
        new HistoryRetention(gateway, new HistorySettings(maxEntries)),
        Clock.systemUTC());
  }

  private static long write(RuleStore store, String service, double ratio) {
    String document =
        RuleCodec.writeCompact(
            RuleCodec.parseFor(
                    service,
                    ("{\"schemaVersion\": 1, \"sampling\": {\"defaultRatio\": " + ratio + "}}")
                        .getBytes(StandardCharsets.UTF_8))
                .document());
    return store.put(service, document, null, new RuleStore.Change("tester", null));
  }

  /** The revisions of the history keys of {@code service}, oldest first. */
  private static List<Long> historyRevisions(String service) throws Exception {
    String prefix = KEYS.historyPrefix(service);
    List<Long> revisions = new ArrayList<>();
    for (KeyValue kv :
        client
            .getKVClient()
            .get(
                ByteSequence.from(prefix, StandardCharsets.UTF_8),
                GetOption.builder().isPrefix(true).withKeysOnly(true).build())
            .get(10, TimeUnit.SECONDS)
            .getKvs()) {
      revisions.add(
          Long.parseLong(kv.getKey().toString(StandardCharsets.UTF_8).substring(prefix.length())));
    }
    return revisions;
  }

  @Test
  void eachServiceKeepsItsNewestEntriesAndTheOlderOnesGoAsItsRulesAreWritten() throws Exception {
    RuleStore store = store(3);
    long other = write(store, "payments", 0.5);
    List<Long> written = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      written.add(write(store, "orders", i / 10.0));
    }

    assertThat(historyRevisions("orders")).containsExactlyElementsOf(written.subList(2, 5));
    assertThat(historyRevisions("payments")).as("another service's history").containsExactly(other);

    long deleted = store.delete("orders", null, new RuleStore.Change("tester", null));
    assertThat(historyRevisions("orders"))
        .as("a delete is a write kept in history too")
        .containsExactly(written.get(3), written.get(4), deleted);
  }

  @Test
  void withoutABoundEveryEntryStays() throws Exception {
    RuleStore store = store(0);
    List<Long> written = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      written.add(write(store, "inventory", i / 10.0));
    }

    assertThat(historyRevisions("inventory")).containsExactlyElementsOf(written);
  }
}
