package io.sluice.controlplane.rules;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.sluice.controlplane.etcd.EtcdGateway;
import io.sluice.controlplane.etcd.RangeHooks;
import io.sluice.controlplane.etcd.TestGateways;
import io.sluice.controlplane.history.HistoryRetention;
import io.sluice.controlplane.history.HistoryRevisions;
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
import org.junit.jupiter.api.AfterEach;
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
  private static final RangeHooks hooks = new RangeHooks();
  private static Client client;
  private static Client hooked;
  private static EtcdGateway gateway;

  @BeforeAll
  static void connect() {
    client = Client.builder().endpoints(etcd.endpoint()).build();
    hooked = Client.builder().endpoints(etcd.endpoint()).interceptor(hooks).build();
    gateway = TestGateways.on(client, Duration.ofSeconds(10));
  }

  @AfterEach
  void forgetTheHooks() {
    hooks.clear();
  }

  @AfterAll
  static void disconnect() {
    client.close();
    hooked.close();
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

  private static boolean exists(String key) throws Exception {
    return client
            .getKVClient()
            .get(ByteSequence.from(key, StandardCharsets.UTF_8))
            .get(10, TimeUnit.SECONDS)
            .getCount()
        == 1;
  }

  /** {@code times} writes of {@code service}'s rules, each a new document: their revisions. */
  private static List<Long> writes(RuleStore store, String service, int times) {
    List<Long> revisions = new ArrayList<>();
    for (int i = 1; i <= times; i++) {
      revisions.add(write(store, service, i / 10.0));
    }
    return revisions;
  }

  /** The revisions of the history keys of {@code service}, oldest first. */
  private static List<Long> historyRevisions(String service) throws Exception {
    return HistoryRevisions.of(client, KEYS, service);
  }

  @Test
  void eachServiceKeepsItsNewestEntriesAndTheOlderOnesGoAsItsRulesAreWritten() throws Exception {
    RuleStore store = store(3);
    long other = write(store, "payments", 0.5);
    List<Long> written = writes(store, "orders", 5);

    assertThat(historyRevisions("orders")).containsExactlyElementsOf(written.subList(2, 5));
    assertThat(historyRevisions("payments")).as("another service's history").containsExactly(other);

    long deleted = store.delete("orders", null, new RuleStore.Change("tester", null));
    assertThat(historyRevisions("orders"))
        .as("a delete is a write kept in history too")
        .containsExactly(written.get(3), written.get(4), deleted);
  }

  /**
   * Another control plane trims the same service between this one's count and its read of the
   * oldest keys: together they still keep the bound. Read at the latest revision, the second read
   * started above the entries the other trim deleted, and the cut came as many entries too high (a
   * service 10 over its bound of 1000 kept 990).
   */
  @Test
  void twoControlPlanesTrimmingAtOnceKeepTheBound() throws Exception {
    RuleStore unbounded = store(0);
    List<Long> written = writes(unbounded, "raced", 4);
    HistoryRetention ours =
        new HistoryRetention(
            TestGateways.on(hooked, Duration.ofSeconds(10)), new HistorySettings(3));
    HistoryRetention theirs = new HistoryRetention(gateway, new HistorySettings(3));
    long[] theirDeletes = new long[1];
    hooks.afterAnswer(
        RangeHooks.under(KEYS.historyPrefix("raced")),
        1,
        () -> theirDeletes[0] = theirs.trim("raced"));

    ours.trim("raced");

    assertThat(theirDeletes[0]).as("the other control plane trimmed in between").isEqualTo(1);
    assertThat(historyRevisions("raced")).containsExactlyElementsOf(written.subList(1, 4));
  }

  /**
   * Keys written around the API under a service's history prefix that sort below revision 0's key
   * or above the highest revision's are neither counted nor deleted.
   */
  @Test
  void keysThatAreNoRevisionAreLeftAloneAndNotCounted() throws Exception {
    String prefix = KEYS.historyPrefix("strays");
    etcd.server().put(prefix + "-early", "{}");
    etcd.server().put(prefix + "notes", "{}");
    etcd.server().put(prefix + "9-late", "{}");
    RuleStore store = store(2);
    List<Long> written = writes(store, "strays", 3);

    assertThat(historyRevisions("strays")).containsExactlyElementsOf(written.subList(1, 3));
    assertThat(exists(prefix + "-early")).isTrue();
    assertThat(exists(prefix + "notes")).isTrue();
    assertThat(exists(prefix + "9-late")).isTrue();
  }

  @Test
  void withoutABoundEveryEntryStays() throws Exception {
    RuleStore store = store(0);
    List<Long> written = writes(store, "inventory", 5);

    assertThat(historyRevisions("inventory")).containsExactlyElementsOf(written);
  }
}
