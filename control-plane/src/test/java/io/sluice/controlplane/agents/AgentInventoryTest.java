package io.sluice.controlplane.agents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.controlplane.ApiException;
import io.sluice.controlplane.ProblemType;
import io.sluice.controlplane.etcd.EtcdGateway;
import io.sluice.controlplane.etcd.TestGateways;
import io.sluice.controlplane.etcd.TestPrefixWatches;
import io.sluice.rules.wire.AgentStatus;
import io.sluice.rules.wire.AgentStatusCodec;
import io.sluice.rules.wire.EtcdKeys;
import io.sluice.testing.logging.LogCapture;
import io.sluice.testing.time.ManualClock;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

class AgentInventoryTest {

  // never started: the watch that would fill it is not needed to hand it a snapshot; no client,
  // as nothing here calls etcd (the gateway only lends its key layout)
  private final AgentInventory inventory =
      new AgentInventory(
          TestGateways.on(null, Duration.ofSeconds(5)),
          event -> {},
          null,
          null,
          new SimpleMeterRegistry(),
          Clock.systemUTC());

  @Test
  void answersUnavailableRatherThanNoAgentsUntilTheFirstReadArrived() {
    assertThatThrownBy(inventory::all)
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> assertThat(e.problem()).isEqualTo(ProblemType.ETCD_UNAVAILABLE));
    assertThatThrownBy(() -> inventory.of("orders")).isInstanceOf(ApiException.class);

    inventory.reset(Map.of(), 7);

    assertThat(inventory.all()).isEmpty();
    assertThat(inventory.of("orders")).isEmpty();
  }

  @Test
  void countsTheUnreadableStatusesOfEachServiceUntilTheyAreReadableOrGone() {
    String bad = "/sluice/v1/agents/orders/i-bad";
    String alsoBad = "/sluice/v1/agents/orders/i-also-bad";
    String other = "/sluice/v1/agents/payments/p-bad";
    String good = "/sluice/v1/agents/orders/i-good";
    inventory.reset(
        Map.of(
            bad, kv(bad, "{}"),
            alsoBad, kv(alsoBad, "not json"),
            other, kv(other, "{}"),
            good, kv(good, AgentStatusCodec.write(status("i-good")))),
        7);

    assertThat(inventory.unreadableByService()).isEqualTo(Map.of("orders", 2, "payments", 1));

    inventory.put(kv(bad, AgentStatusCodec.write(status("i-bad"))));
    inventory.delete(other, 8);
    assertThat(inventory.unreadableByService()).isEqualTo(Map.of("orders", 1));
    inventory.put(kv(good, "{}"));
    assertThat(inventory.unreadableByService()).isEqualTo(Map.of("orders", 2));
  }

  /**
   * A status that names another service or instance than its key is left out and counted as
   * unreadable under the key's service, with a WARNING saying whose key it names. Before, it was
   * listed as the other service's agent: one service's credentials could report for another.
   */
  @Test
  void aStatusNamingAnotherServiceOrInstanceThanItsKeyIsLeftOutAsUnreadable() {
    String foreign = "/sluice/v1/agents/payments/p1";
    String renamed = "/sluice/v1/agents/orders/i-other";
    String good = "/sluice/v1/agents/orders/i-good";
    try (LogCapture log = LogCapture.of(AgentInventory.class)) {
      inventory.reset(
          Map.of(
              foreign, kv(foreign, AgentStatusCodec.write(status("p1"))),
              renamed, kv(renamed, AgentStatusCodec.write(status("i-1"))),
              good, kv(good, AgentStatusCodec.write(status("i-good")))),
          7);

      assertThat(inventory.all()).extracting(AgentStatus::instanceId).containsExactly("i-good");
      assertThat(inventory.unreadableByService()).isEqualTo(Map.of("payments", 1, "orders", 1));
      assertThat(log.messages())
          .anySatisfy(
              m ->
                  assertThat(m)
                      .contains(foreign)
                      .contains(
                          "it names service 'orders' and instance 'p1', whose key is"
                              + " /sluice/v1/agents/orders/p1"));
    }

    inventory.put(kv(foreign, AgentStatusCodec.write(status("payments", "p1"))));
    assertThat(inventory.of("payments")).extracting(AgentStatus::instanceId).containsExactly("p1");
  }

  @Test
  void readsTheServiceOfAnAgentKey() {
    EtcdKeys keys = EtcdKeys.defaults();
    assertThat(AgentInventory.serviceOfKey(keys, "/sluice/v1/agents/orders/i-1"))
        .isEqualTo("orders");
    assertThat(
            AgentInventory.serviceOfKey(
                new EtcdKeys("/team/a"), "/team/a/v1/agents/unknown_service:java/x/y"))
        .isEqualTo("unknown_service:java");
    assertThat(AgentInventory.serviceOfKey(keys, "/sluice/v1/agents/orders")).isNull();
    assertThat(AgentInventory.serviceOfKey(keys, "/sluice/v1/agents/orders/")).isNull();
    assertThat(AgentInventory.serviceOfKey(keys, "/sluice/v1/agents//i-1")).isNull();
    assertThat(AgentInventory.serviceOfKey(keys, "/other/v1/agents/orders/i-1")).isNull();
  }

  /**
   * The service is read after the watched prefix itself, not after the first {@code /v1/agents/} in
   * the key: a namespace holding {@code /v1/agents/} counted every unreadable status under a
   * segment of the namespace instead of its service.
   */
  @Test
  void readsTheServiceAfterANamespaceThatItselfHoldsTheAgentsPath() {
    EtcdKeys keys = new EtcdKeys("/team/v1/agents/blue");
    assertThat(AgentInventory.serviceOfKey(keys, "/team/v1/agents/blue/v1/agents/orders/i-1"))
        .isEqualTo("orders");

    AgentInventory namespaced =
        new AgentInventory(
            TestGateways.on(null, keys, Duration.ofSeconds(5)),
            event -> {},
            null,
            null,
            new SimpleMeterRegistry(),
            Clock.systemUTC());
    String bad = keys.agent("orders", "i-bad");
    String other = keys.agent("payments", "p-bad");
    try (LogCapture log = LogCapture.of(AgentInventory.class)) {
      namespaced.reset(Map.of(bad, kv(bad, "{}"), other, kv(other, "not json")), 7);
    }

    assertThat(namespaced.unreadableByService()).isEqualTo(Map.of("orders", 1, "payments", 1));
  }

  @Test
  void leavesOutAnUnreadableStatusAndSaysWhyOncePerKey() {
    String bad = "/sluice/v1/agents/orders/i-bad";
    String good = "/sluice/v1/agents/orders/i-good";
    String negative =
        AgentStatusCodec.write(status("i-good"))
            .replace("\"breakersOmitted\":0", "\"breakersOmitted\":-3");
    try (LogCapture log = LogCapture.of(AgentInventory.class)) {
      inventory.reset(
          Map.of(bad, kv(bad, negative), good, kv(good, AgentStatusCodec.write(status("i-good")))),
          7);
      inventory.put(kv(bad, negative));

      assertThat(inventory.all()).extracting(AgentStatus::instanceId).containsExactly("i-good");
      List<LogRecord> warnings =
          log.records().stream().filter(r -> r.getLevel() == Level.WARNING).toList();
      assertThat(warnings).hasSize(1);
      assertThat(warnings.get(0).getMessage()).contains(bad).contains("breakersOmitted");

      // readable again, then unreadable again: said again
      inventory.put(kv(bad, AgentStatusCodec.write(status("i-bad"))));
      assertThat(inventory.all()).hasSize(2);
      inventory.put(kv(bad, "{}"));
      assertThat(log.records().stream().filter(r -> r.getLevel() == Level.WARNING)).hasSize(2);
    }
  }

  /**
   * The key is an agent's writing (any agent's credentials may write under its service's prefix): a
   * line feed in it forged a log line of its own after the warning.
   */
  @Test
  void escapesTheKeyOfAnUnreadableStatusInTheLog() {
    String forged = "/sluice/v1/agents/orders/i-1\nSEVERE: etcd credentials rejected\u2028x";
    try (LogCapture log = LogCapture.of(AgentInventory.class)) {
      inventory.reset(Map.of(forged, kv(forged, "not json")), 7);

      assertThat(log.warnings())
          .singleElement()
          .satisfies(
              line ->
                  assertThat(line)
                      .doesNotContain("\n", "\u2028")
                      .contains("/sluice/v1/agents/orders/i-1\\nSEVERE: etcd credentials")
                      .contains("\\u2028x"));
    }
  }

  /**
   * Junk keys, as many as an agent's credentials care to write, are each warned about once, and
   * remembered for that up to a bound; past it they are logged at FINE only.
   */
  @Test
  void remembersABoundedNumberOfUnreadableKeys() {
    Map<String, KeyValue> junk = new java.util.HashMap<>();
    for (int i = 0; i < AgentInventory.MAX_UNREADABLE_KEPT + 50; i++) {
      String key = "/sluice/v1/agents/orders/junk-" + i;
      junk.put(key, kv(key, "{}"));
    }
    try (LogCapture log = LogCapture.of(AgentInventory.class)) {
      inventory.reset(junk, 7);
      junk.values().forEach(inventory::put);

      assertThat(log.warnings()).hasSize(AgentInventory.MAX_UNREADABLE_KEPT);
      assertThat(inventory.all()).isEmpty();
    }
  }

  /**
   * A key whose value turns unreadable no longer stands for the status it held before: the agent is
   * left out, as a fresh read of the prefix leaves it out, and listeners hear it went (the web UI
   * would otherwise show its last readable status as live for as long as the key lives).
   */
  @Test
  void dropsAnAgentWhoseStatusTurnsUnreadableAsAFreshReadWould() {
    List<AgentChanged> events = new java.util.ArrayList<>();
    AgentInventory watched =
        new AgentInventory(
            TestGateways.on(null, Duration.ofSeconds(5)),
            event -> events.add((AgentChanged) event),
            null,
            null,
            new SimpleMeterRegistry(),
            Clock.systemUTC());
    String key = "/sluice/v1/agents/orders/i-1";
    watched.reset(Map.of(key, kv(key, AgentStatusCodec.write(status("i-1")))), 7);
    events.clear();

    try (LogCapture log = LogCapture.of(AgentInventory.class)) {
      watched.put(kv(key, "{}"));
    }

    assertThat(watched.all()).isEmpty();
    assertThat(events).containsExactly(new AgentChanged("delete", "orders", "i-1", null));
    // the same as a fresh read sees
    watched.reset(Map.of(key, kv(key, "{}")), 8);
    assertThat(watched.all()).isEmpty();
    assertThat(events).hasSize(1);
  }

  /**
   * When the last agent of a revision goes, its series drops to 0 and is to go once it has been 0
   * for a while ({@link AgentGauges}): that removal used to wait for the next agent event, which
   * never comes when no agent is left, so the old revision stayed on the dashboards.
   */
  @Test
  void dropsTheSeriesOfAGoneRevisionWithoutAnyFurtherAgentEvent() {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    ManualClock clock = new ManualClock(Instant.parse("2026-11-29T10:00:00Z"));
    // the watch's reads are never run: its events are handed in below; the periodic tasks are
    // kept, to be run here when the test says a period has passed
    List<Runnable> periodic = new ArrayList<>();
    ScheduledThreadPoolExecutor scheduler =
        new ScheduledThreadPoolExecutor(1) {
          @Override
          public void execute(Runnable command) {}

          @Override
          public ScheduledFuture<?> scheduleWithFixedDelay(
              Runnable task, long initialDelay, long delay, TimeUnit unit) {
            periodic.add(task);
            return super.scheduleWithFixedDelay(task, 1, 1, TimeUnit.DAYS);
          }
        };
    // no client: nothing here calls etcd
    EtcdGateway etcd = TestGateways.on(null, Duration.ofSeconds(5));
    AgentInventory started =
        new AgentInventory(
            etcd, event -> {}, TestPrefixWatches.on(etcd, scheduler), scheduler, meters, clock);
    try {
      started.start();
      String key = "/sluice/v1/agents/orders/i-1";
      started.reset(Map.of(key, kv(key, AgentStatusCodec.write(status("i-1")))), 7);
      assertThat(meters.find("sluice.agents").tag("revision", "3").gauge().value()).isEqualTo(1.0);

      started.delete(key, 8); // its lease expired: the last agent event there is
      assertThat(meters.find("sluice.agents").tag("revision", "3").gauge().value()).isEqualTo(0.0);

      clock.advance(Duration.ofMillis(AgentGauges.ZERO_KEPT_MILLIS));
      periodic.forEach(Runnable::run); // a period has passed, with no event
      assertThat(meters.find("sluice.agents").gauges()).isEmpty();
    } finally {
      started.stop();
      scheduler.shutdownNow();
    }
  }

  /**
   * Each watch event moves one agent's count in {@code sluice.agents}: to its new revision or
   * service, out when it goes or its status turns unreadable, and a fresh read recounts all.
   */
  @Test
  void eachAgentEventMovesItsCountInTheGauge() {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    AgentInventory counted =
        new AgentInventory(
            TestGateways.on(null, Duration.ofSeconds(5)),
            event -> {},
            null,
            null,
            meters,
            Clock.systemUTC());
    String a = "/sluice/v1/agents/orders/i-1";
    String b = "/sluice/v1/agents/orders/i-2";
    String c = "/sluice/v1/agents/billing/i-3";
    counted.reset(
        Map.of(
            a, kv(a, AgentStatusCodec.write(status("orders", "i-1", 3))),
            b, kv(b, AgentStatusCodec.write(status("orders", "i-2", 3)))),
        7);
    assertThat(count(meters, "orders", 3)).isEqualTo(2.0);

    counted.put(kv(a, AgentStatusCodec.write(status("orders", "i-1", 4))));
    counted.put(kv(a, AgentStatusCodec.write(status("orders", "i-1", 4)))); // rewritten, same
    counted.put(kv(c, AgentStatusCodec.write(status("billing", "i-3", 4))));
    assertThat(count(meters, "orders", 3)).isEqualTo(1.0);
    assertThat(count(meters, "orders", 4)).isEqualTo(1.0);
    assertThat(count(meters, "billing", 4)).isEqualTo(1.0);

    counted.put(kv(b, "{}")); // unreadable now: left out
    counted.delete(c, 9);
    counted.delete(c, 10); // already gone
    assertThat(count(meters, "orders", 3)).isEqualTo(0.0);
    assertThat(count(meters, "billing", 4)).isEqualTo(0.0);
    assertThat(count(meters, "orders", 4)).isEqualTo(1.0);

    counted.reset(Map.of(c, kv(c, AgentStatusCodec.write(status("billing", "i-3", 5)))), 11);
    assertThat(count(meters, "orders", 4)).isEqualTo(0.0);
    assertThat(count(meters, "billing", 5)).isEqualTo(1.0);
  }

  private static double count(SimpleMeterRegistry meters, String service, long revision) {
    return meters
        .get("sluice.agents")
        .tags("service", service, "revision", Long.toString(revision))
        .gauge()
        .value();
  }

  private static AgentStatus status(String instance) {
    return status("orders", instance);
  }

  private static AgentStatus status(String service, String instance) {
    return status(service, instance, 3);
  }

  private static AgentStatus status(String service, String instance, long revision) {
    return new AgentStatus(
        instance,
        service,
        "host",
        1,
        new AgentStatus.Versions("1", "2", "17"),
        Instant.parse("2026-11-29T10:00:00Z"),
        Instant.parse("2026-11-29T10:00:05Z"),
        "etcd",
        revision,
        null,
        List.of(),
        List.of());
  }

  private static KeyValue kv(String key, String value) {
    return new KeyValue(
        io.etcd.jetcd.api.KeyValue.newBuilder()
            .setKey(ByteString.copyFrom(key, StandardCharsets.UTF_8))
            .setValue(ByteString.copyFrom(value, StandardCharsets.UTF_8))
            .build(),
        ByteSequence.EMPTY);
  }
}
