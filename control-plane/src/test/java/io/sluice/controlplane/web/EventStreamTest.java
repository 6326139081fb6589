package io.sluice.controlplane.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.sluice.controlplane.EventSettings;
import io.sluice.controlplane.agents.AgentChanged;
import io.sluice.controlplane.rules.RulesChanged;
import io.sluice.controlplane.security.Caller;
import io.sluice.controlplane.security.Role;
import io.sluice.rules.wire.AgentStatus;
import io.sluice.testing.logging.LogCapture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

class EventStreamTest {

  private static final Caller READER = new Caller("reader", Role.READER);
  private static final Caller OTHER = new Caller("other", Role.READER);

  private final EventStream stream = new EventStream(EventSettings.defaults());

  @AfterEach
  void stop() {
    stream.stop();
  }

  @Test
  void aStalledClientDelaysNobodyAndIsDroppedOnceTooFarBehind() {
    try (LogCapture log = LogCapture.of(EventClient.class)) {
      dropsTheStalledClient(log);
    }
  }

  /** The body of the test above, its log captured in {@code log}. */
  private void dropsTheStalledClient(LogCapture log) {
    stream.start();
    RecordingEmitter stalled = new RecordingEmitter(true);
    RecordingEmitter healthy = new RecordingEmitter(false);
    stream.register(stalled, READER, true);
    stream.register(healthy, READER, true);
    await().atMost(Duration.ofSeconds(5)).until(() -> stalled.blocked.getCount() == 0);

    int events = EventStream.MAX_PENDING + 2;
    for (int i = 0; i < events; i++) {
      stream.on(new RulesChanged("service-" + i, i, "put"));
      if (i % 100 == 99) {
        int sent = i + 2;
        await().atMost(Duration.ofSeconds(5)).until(() -> healthy.sent.size() == sent);
      }
    }

    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(healthy.sent).hasSize(events + 1));
    assertThat(healthy.sent.get(0)).startsWith("event:ready\n");
    for (int i = 0; i < events; i++) {
      assertThat(healthy.sent.get(i + 1))
          .startsWith("event:rules\n")
          .contains("service=service-" + i + ",");
    }
    assertThat(stream.clientCount()).isEqualTo(1);
    assertThat(healthy.error).isNull();

    stalled.release.countDown();
    // ended normally, not with an error: Spring logs a stream ended with one as a 500, SEVERE
    await().atMost(Duration.ofSeconds(5)).until(() -> stalled.completed);
    assertThat(stalled.error).isNull();
    assertThat(log.messages())
        .containsExactly(
            "ending an event stream: the client fell "
                + EventStream.MAX_PENDING
                + " events behind (it read more slowly than changes came); it reconnects and"
                + " reads anew");
    assertThat(stalled.sent).singleElement().asString().startsWith("event:ready\n");

    stream.stop();
    await().atMost(Duration.ofSeconds(5)).until(() -> healthy.completed);
    assertThat(healthy.error).isNull();
  }

  @Test
  void aClientWhoseWriteFailsIsDroppedAndTheOthersGoOn() {
    stream.start();
    RecordingEmitter broken = new RecordingEmitter(false);
    broken.failWith = new IOException("Broken pipe");
    RecordingEmitter healthy = new RecordingEmitter(false);
    stream.register(broken, READER, true);
    stream.register(healthy, READER, true);

    await().atMost(Duration.ofSeconds(5)).until(() -> stream.clientCount() == 1);
    assertThat(broken.error).hasMessage("Broken pipe");
    stream.on(new RulesChanged("orders", 7, "delete"));
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () -> assertThat(healthy.sent).last().asString().contains("service=orders,"));
  }

  @Test
  void aClientThatAskedForNoAgentStatusHearsWhichAgentChangedOnly() {
    stream.start();
    RecordingEmitter full = new RecordingEmitter(false);
    RecordingEmitter lean = new RecordingEmitter(false);
    stream.register(full, READER, true);
    stream.register(lean, READER, false);
    AgentStatus status =
        new AgentStatus(
            "orders-1",
            "orders",
            "host-a",
            4242,
            new AgentStatus.Versions("0.1.0", "1.65.0", "17"),
            Instant.now(),
            Instant.now(),
            "etcd",
            7,
            null,
            List.of(new AgentStatus.BreakerState("payments", "payments:8080", "OPEN", 0, 0, false)),
            List.of());
    stream.on(new AgentChanged("put", "orders", "orders-1", status));
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> full.sent.size() == 2 && lean.sent.size() == 2);
    assertThat(full.sent.get(1)).startsWith("event:agent\n").contains("payments:8080");
    assertThat(lean.sent.get(1))
        .startsWith("event:agent\n")
        .contains("action=put", "service=orders", "instanceId=orders-1")
        .doesNotContain("status")
        .doesNotContain("payments:8080");

    // rules events are the same for both
    stream.on(new RulesChanged("orders", 8, "put"));
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> full.sent.size() == 3 && lean.sent.size() == 3);
    assertThat(lean.sent.get(2)).isEqualTo(full.sent.get(2));
  }

  @Test
  void everyClientGetsAFrameOfItsOwn() {
    stream.start();
    RecordingEmitter first = new RecordingEmitter(false);
    RecordingEmitter second = new RecordingEmitter(false);
    stream.register(first, READER, true);
    stream.register(second, READER, true);
    stream.on(new RulesChanged("orders", 3, "put"));
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> first.sent.size() == 2 && second.sent.size() == 2);
    // each client gets a frame of its own: a shared builder would end later frames twice
    assertThat(first.sent.get(1))
        .isEqualTo(second.sent.get(1))
        .startsWith("event:rules\n")
        .endsWith("\n\n")
        .doesNotContain("\n\n\n");
  }

  @Test
  void stalledWritesGetThreadsOfTheirOwnSoTheOthersAreNotDelayed() {
    stream.start();
    // more stalled clients than the pool has threads when nothing stalls
    List<RecordingEmitter> stalled = new ArrayList<>();
    for (int i = 0; i < EventStream.BASE_SENDERS + 2; i++) {
      RecordingEmitter emitter = new RecordingEmitter(true);
      stalled.add(emitter);
      stream.register(emitter, READER, true);
    }
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> stalled.stream().allMatch(e -> e.blocked.getCount() == 0));

    RecordingEmitter healthy = new RecordingEmitter(false);
    stream.register(healthy, READER, true);
    stream.on(new RulesChanged("orders", 9, "put"));
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(healthy.sent).hasSize(2));
    assertThat(healthy.sent.get(1)).contains("service=orders,");
    // one thread per stalled write on top of the base, never more than that
    assertThat(stream.sendersAllowed())
        .isGreaterThan(EventStream.BASE_SENDERS)
        .isLessThanOrEqualTo(EventStream.BASE_SENDERS + stalled.size());

    stalled.forEach(e -> e.release.countDown());
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> stream.sendersAllowed() == EventStream.BASE_SENDERS);
    assertThat(stalled).allSatisfy(e -> assertThat(e.sent).hasSize(2));
  }

  /**
   * Clients that read slowly, each write well under the stall threshold so never given a thread of
   * their own, take turns with the others: as many of them as the pool has threads, each with a
   * backlog of seconds, do not keep a healthy client from its events until their backlogs are sent.
   * Before, a task sent its client's whole backlog before giving its thread back.
   */
  @Test
  void slowClientsWithBacklogsTakeTurnsWithTheOthers() {
    stream.start();
    List<RecordingEmitter> slow = new ArrayList<>();
    for (int i = 0; i < EventStream.BASE_SENDERS; i++) {
      RecordingEmitter emitter = new RecordingEmitter(false);
      emitter.eachSendTakes = Duration.ofMillis(20); // a slow link, well under STALL_MILLIS
      slow.add(emitter);
      stream.register(emitter, READER, true);
    }
    int backlog = 500; // ten seconds per slow client
    for (int i = 0; i < backlog; i++) {
      stream.on(new RulesChanged("service-" + i, i, "put"));
    }

    RecordingEmitter healthy = new RecordingEmitter(false);
    stream.register(healthy, READER, true);
    stream.on(new RulesChanged("orders", 9, "put"));
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(healthy.sent).hasSize(2));
    assertThat(healthy.sent.get(1)).contains("service=orders,");
    assertThat(slow)
        .as("served while the slow clients still had their backlogs")
        .allSatisfy(e -> assertThat(e.sent.size()).isLessThan(backlog));
    // no write is slow enough to count as stalled; a pause of the machine (a GC, a starved CPU)
    // may still have one counted for a moment, after which the senders allowed are back
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(stream.sendersAllowed())
                    .as("no write counted as stalled")
                    .isEqualTo(EventStream.BASE_SENDERS));
  }

  @Test
  void refusesClientsBeyondTheCapUntilAStreamIsOver() {
    EventStream capped = new EventStream(settings(2, 64));
    capped.start();
    try {
      RecordingEmitter first = new RecordingEmitter(false);
      RecordingEmitter second = new RecordingEmitter(false);
      assertThat(capped.register(first, READER, true)).isNotNull();
      assertThat(capped.register(second, OTHER, true)).isNotNull();
      assertRefused(
          () -> capped.register(new RecordingEmitter(false), Caller.ANONYMOUS, true), false);
      assertRefused(() -> capped.connect(READER, true), false);

      // the first goes away: its next write fails, its stream ends, its slot is free
      first.failWith = new IOException("Connection reset by peer");
      capped.on(new RulesChanged("orders", 1, "put"));
      await().atMost(Duration.ofSeconds(5)).until(() -> capped.openCount() == 1);
      RecordingEmitter third = new RecordingEmitter(false);
      assertThat(capped.register(third, READER, true)).isNotNull();
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(third.sent).hasSize(1));
      assertRefused(() -> capped.register(new RecordingEmitter(false), READER, true), false);
    } finally {
      capped.stop();
    }
  }

  @Test
  void oneCallerCannotTakeEveryStreamAndGetsASlotBackWhenOneOfItsOwnIsOver() {
    EventStream capped = new EventStream(settings(6, 2));
    capped.start();
    try {
      RecordingEmitter first = new RecordingEmitter(false);
      assertThat(capped.register(first, READER, true)).isNotNull();
      assertThat(capped.register(new RecordingEmitter(false), READER, true)).isNotNull();
      assertRefused(() -> capped.register(new RecordingEmitter(false), READER, true), true);
      assertRefused(() -> capped.connect(READER, true), true);
      assertThat(capped.openCount(READER)).isEqualTo(2);

      // others still get theirs: another token, and every caller without one, as one caller
      assertThat(capped.register(new RecordingEmitter(false), OTHER, true)).isNotNull();
      assertThat(capped.register(new RecordingEmitter(false), Caller.ANONYMOUS, true)).isNotNull();
      assertThat(capped.register(new RecordingEmitter(false), Caller.ANONYMOUS, true)).isNotNull();
      assertRefused(
          () -> capped.register(new RecordingEmitter(false), Caller.ANONYMOUS, true), true);
      assertThat(capped.openCount()).isEqualTo(5);

      first.failWith = new IOException("Connection reset by peer");
      capped.on(new RulesChanged("orders", 1, "put"));
      await().atMost(Duration.ofSeconds(5)).until(() -> capped.openCount(READER) == 1);
      assertThat(capped.register(new RecordingEmitter(false), READER, true)).isNotNull();
      assertRefused(() -> capped.register(new RecordingEmitter(false), READER, true), true);
    } finally {
      capped.stop();
    }
  }

  private static EventSettings settings(int maxClients, int maxClientsPerCaller) {
    return new EventSettings(
        maxClients,
        Duration.ofSeconds(15),
        Duration.ofMinutes(30),
        Duration.ofSeconds(30),
        16,
        maxClientsPerCaller);
  }

  private static void assertRefused(Runnable connect, boolean callersCap) {
    assertThatThrownBy(connect::run)
        .isInstanceOfSatisfying(
            EventStream.Refused.class,
            refused -> assertThat(refused.callersCap).as("the caller's cap").isEqualTo(callersCap));
  }

  @Test
  void aStreamEndsNormallyAtItsAgeSoTheClientReconnects() {
    EventStream aging =
        new EventStream(
            new EventSettings(
                2, Duration.ofSeconds(15), Duration.ofMillis(300), Duration.ofSeconds(30), 16, 64));
    aging.start();
    try {
      RecordingEmitter client = new RecordingEmitter(false);
      aging.register(client, READER, true);
      await().atMost(Duration.ofSeconds(5)).until(() -> client.completed);
      assertThat(client.error).isNull();
      // the slot is freed just after the completion
      await().atMost(Duration.ofSeconds(5)).until(() -> aging.openCount() == 0);
    } finally {
      aging.stop();
    }
  }

  /**
   * An emitter that records what it would write, optionally stalling in its first write like a
   * connection whose peer is gone, or failing like a reset one.
   */
  private static final class RecordingEmitter extends SseEmitter {
    final List<String> sent = new CopyOnWriteArrayList<>();
    final CountDownLatch blocked = new CountDownLatch(1);
    final CountDownLatch release;
    volatile IOException failWith;
    volatile Throwable error;
    volatile boolean completed;
    volatile Duration eachSendTakes = Duration.ZERO;

    RecordingEmitter(boolean stall) {
      super(0L);
      release = new CountDownLatch(stall ? 1 : 0);
    }

    @Override
    public void send(SseEventBuilder builder) throws IOException {
      StringBuilder text = new StringBuilder();
      for (DataWithMediaType part : builder.build()) {
        Object data = part.getData();
        text.append(
            data instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8) : data);
      }
      sent.add(text.toString());
      blocked.countDown();
      try {
        release.await(30, TimeUnit.SECONDS);
        if (!eachSendTakes.isZero()) {
          Thread.sleep(eachSendTakes.toMillis()); // a slow link's write, simulated
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (failWith != null) {
        throw failWith;
      }
    }

    @Override
    public void complete() {
      completed = true;
    }

    @Override
    public void completeWithError(Throwable ex) {
      error = ex;
      completed = true;
    }
  }
}
