package io.sluice.controlplane.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.sluice.controlplane.etcd.EtcdGateway;
import io.sluice.controlplane.etcd.TestGateways;
import io.sluice.rules.wire.EtcdKeys;
import io.sluice.testing.etcd.EtcdExtension;
import io.sluice.testing.logging.LogCapture;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * At start, every service's history comes down to the bound, also that of services whose rules are
 * never written again (their history is trimmed at writes otherwise). Real etcd.
 */
class HistorySweepIT {

  @RegisterExtension static final EtcdExtension etcd = new EtcdExtension();

  private static final EtcdKeys KEYS = EtcdKeys.defaults();
  private static Client client;
  private static EtcdGateway gateway;
  private HistorySweep sweep;

  @BeforeAll
  static void connect() {
    client = Client.builder().endpoints(etcd.endpoint()).build();
    gateway = TestGateways.on(client, Duration.ofSeconds(1));
  }

  @AfterEach
  void stopTheSweep() throws Exception {
    if (sweep != null) {
      sweep.stop();
    }
    client
        .getKVClient()
        .delete(
            bytes(KEYS.historyPrefix()),
            io.etcd.jetcd.options.DeleteOption.builder().isPrefix(true).build())
        .get(10, TimeUnit.SECONDS);
  }

  @AfterAll
  static void disconnect() {
    client.close();
  }

  private static ByteSequence bytes(String text) {
    return ByteSequence.from(text, StandardCharsets.UTF_8);
  }

  /** Writes history entries of {@code service} at {@code revisions}, as a control plane would. */
  private static void entries(String service, LongStream revisions) throws Exception {
    List<CompletableFuture<?>> puts = new ArrayList<>();
    revisions.forEach(
        r -> puts.add(client.getKVClient().put(bytes(KEYS.history(service, r)), bytes("{}"))));
    CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
  }

  /** The revisions of {@code service}'s history entries, oldest first. */
  private static List<Long> revisions(String service) throws Exception {
    return HistoryRevisions.of(client, KEYS, service);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] both = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, both, a.length, b.length);
    return both;
  }

  private static void putRaw(byte[] key) throws Exception {
    client.getKVClient().put(ByteSequence.from(key), bytes("{}")).get(10, TimeUnit.SECONDS);
  }

  private static boolean exists(String key) throws Exception {
    return client.getKVClient().get(bytes(key)).get(10, TimeUnit.SECONDS).getCount() == 1;
  }

  private HistorySweep sweep(int maxEntries) {
    sweep =
        new HistorySweep(gateway, new HistoryRetention(gateway, new HistorySettings(maxEntries)));
    return sweep;
  }

  @Test
  void bringsEveryServiceDownToTheBoundAndLeavesTheRest() throws Exception {
    // over the bound by more than one trim deletes; names that prefix one another; under the bound
    entries("orders", LongStream.rangeClosed(1, HistoryRetention.MAX_DELETED_PER_WRITE + 10));
    entries("pay", LongStream.rangeClosed(1, 5));
    entries("pay-out", LongStream.rangeClosed(1, 4));
    entries("payments", LongStream.rangeClosed(1, 2));
    // written around the API: no service's, or one the API could never name
    etcd.server().put(KEYS.historyPrefix() + "loose", "{}");
    entries("..", LongStream.rangeClosed(1, 5));
    // and keys that are no UTF-8: passed over, not read again and again
    byte[] prefix = KEYS.historyPrefix().getBytes(StandardCharsets.UTF_8);
    putRaw(concat(prefix, new byte[] {(byte) 0xFF}));
    putRaw(concat(prefix, new byte[] {(byte) 0xC0, '/', '1'}));

    startAndAwaitTheLine(
        sweep(3),
        "history swept: 1010 entries beyond the newest 3 of each service deleted, from 3 services");
    assertThat(revisions("orders")).containsExactly(1008L, 1009L, 1010L);
    assertThat(revisions("pay")).containsExactly(3L, 4L, 5L);
    assertThat(revisions("pay-out")).containsExactly(2L, 3L, 4L);
    assertThat(revisions("payments")).containsExactly(1L, 2L);
    assertThat(exists(KEYS.historyPrefix() + "loose")).isTrue();
    assertThat(revisions("..")).hasSize(5);
    assertThat(sweep.isRunning()).as("done").isFalse();
  }

  /** Starts {@code sweep} and waits for its one line, {@code line}. */
  private static void startAndAwaitTheLine(HistorySweep sweep, String line) {
    try (LogCapture log = LogCapture.of(HistorySweep.class)) {
      sweep.start();
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(() -> assertThat(log.messages()).containsExactly(line));
    }
  }

  /** A start after a stop sweeps again, from the beginning, and tells what it did itself. */
  @Test
  void aStartAfterAStopSweepsAgain() throws Exception {
    entries("orders", LongStream.rangeClosed(1, 5));
    HistorySweep sweep = sweep(3);
    sweep.start();
    await().atMost(Duration.ofSeconds(20)).until(() -> !sweep.isRunning());
    sweep.stop();
    entries("payments", LongStream.rangeClosed(1, 4));

    startAndAwaitTheLine(
        sweep,
        "history swept: 1 entries beyond the newest 3 of each service deleted, from 1 services");
    assertThat(revisions("orders")).containsExactly(3L, 4L, 5L);
    assertThat(revisions("payments")).containsExactly(2L, 3L, 4L);
  }

  @Test
  void withoutABoundItDoesNotRun() throws Exception {
    entries("orders", LongStream.rangeClosed(1, 5));

    sweep(0).start();

    assertThat(sweep.isRunning()).isFalse();
    assertThat(revisions("orders")).hasSize(5);
  }

  /** etcd away when the sweep starts: warned of once, and done once etcd is back. */
  @Test
  void aSweepThatFindsEtcdAwayFinishesOnceItIsBack() throws Exception {
    entries("orders", LongStream.rangeClosed(1, 5));
    etcd.server().stop();
    try (LogCapture log = LogCapture.of(HistorySweep.class)) {
      sweep(2).start();
      await().atMost(Duration.ofSeconds(10)).until(() -> !log.warnings().isEmpty());
      etcd.server().start();

      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(() -> assertThat(revisions("orders")).containsExactly(4L, 5L));
      assertThat(log.warnings())
          .singleElement()
          .asString()
          .startsWith("the sweep of every service's history down to 2 entries failed; retrying");
    }
  }
}
