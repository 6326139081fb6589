package io.sluice.controlplane.etcd;

import static io.sluice.controlplane.etcd.CountedCallsClients.clientThrough;
import static io.sluice.controlplane.etcd.CountedCallsClients.startedCalls;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.options.GetOption;
import io.sluice.etcd.EtcdAddress;
import io.sluice.rules.wire.EtcdKeys;
import io.sluice.testing.etcd.EtcdExtension;
import io.sluice.testing.logging.LogCapture;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * How the gateway reports a real etcd's failures: what can be tried again (503) and what cannot,
 * and whether a failed call may have changed something.
 */
class EtcdGatewayIT {

  @RegisterExtension static final EtcdExtension etcd = new EtcdExtension();

  /** How long the calls against a stopped etcd take to fail: short, they are expected to. */
  private static final Duration TIMEOUT = Duration.ofSeconds(2);

  /**
   * The deadline of calls that etcd answers: generous, because the first call of a JVM loads gRPC
   * and Netty (over ten seconds on a loaded two-core machine) and must not time out into an {@link
   * EtcdUnavailableException} instead of the answer under test.
   */
  private static final Duration ANSWERED_WITHIN = Duration.ofSeconds(30);

  private static Client client() {
    return Client.builder()
        .endpoints(etcd.endpoint())
        .connectTimeout(TIMEOUT)
        .retryMaxDuration(TIMEOUT)
        .build();
  }

  private static EtcdGateway gateway(Client client, Duration timeout) {
    return EtcdGateway.builder(client, new EtcdKeys("/gateway"), timeout).build();
  }

  /** etcd answers the probe's HTTP/2 preface, so the warm-up waits for its first read. */
  @Test
  void aRunningEtcdAnswersTheEndpointProbe() {
    EndpointProbe.Probed probed =
        new EndpointProbe(
                List.of(EtcdAddress.of(URI.create(etcd.endpoint()))), Duration.ofSeconds(5))
            .probe();
    assertThat(probed.findings())
        .singleElement()
        .extracting(EndpointProbe.Finding::seen)
        .isEqualTo(EndpointProbe.Seen.ANSWERED);
  }

  @Test
  void aWriteTooLargeForEtcdIsRefusedForGoodNotReportedAsAnOutage() {
    try (Client client = client()) {
      EtcdGateway gateway = gateway(client, ANSWERED_WITHIN);
      // over etcd's default --max-request-bytes (1.5 MiB): etcd's own "request is too large"
      assertThatThrownBy(
              () ->
                  gateway.commit(
                      client.getKVClient().put(key("big"), value(1_600_000)), "write big"))
          .isInstanceOfSatisfying(
              EtcdRefusedException.class,
              e -> {
                assertThat(e.tooLarge()).isTrue();
                assertThat(e.reason()).contains("request is too large");
              });
      // over what etcd's gRPC server reads at all (the limit + 512 KiB)
      assertThatThrownBy(
              () ->
                  gateway.commit(
                      client.getKVClient().put(key("bigger"), value(2_300_000)), "write bigger"))
          .isInstanceOfSatisfying(
              EtcdRefusedException.class,
              e -> {
                assertThat(e.tooLarge()).isTrue();
                assertThat(e.reason()).startsWith("RESOURCE_EXHAUSTED");
              });
      for (String name : new String[] {"big", "bigger"}) {
        assertThat(gateway.await(client.getKVClient().get(key(name)), "read").getKvs()).isEmpty();
      }
    }
  }

  @Test
  void aFailedReadChangedNothingWhileAFailedCommitMayHave() {
    try (Client client = client()) {
      writeA(gateway(client, ANSWERED_WITHIN), client, 1);
      EtcdGateway gateway = gateway(client, TIMEOUT);
      etcd.server().stop();
      try {
        // at once: each waits out the timeout
        CompletableFuture<Throwable> reading = failureOf(() -> readA(gateway, client));
        CompletableFuture<Throwable> committing = failureOf(() -> writeA(gateway, client, 2));
        assertThat(reading.join())
            .isInstanceOfSatisfying(
                EtcdUnavailableException.class, e -> assertThat(e.outcomeUnknown()).isFalse());
        assertThat(committing.join())
            .isInstanceOfSatisfying(
                EtcdUnavailableException.class, e -> assertThat(e.outcomeUnknown()).isTrue());
      } finally {
        etcd.server().start();
      }
    }
  }

  /**
   * etcd compacting away the revision of a paged read, each time before its last page, is etcd
   * answering: the read fails saying so ({@link EtcdUnavailableException#compacted()}), and that
   * ends a stretch of the API's 503s as any answer does, where it was taken for one more failure of
   * an outage (the stretch went on, and a reconnect was forced on the next call). Real etcd, real
   * compactions between the pages.
   */
  @Test
  void aReadCompactedAwayEachTimeIsEtcdAnsweringNotAnOutage() throws Exception {
    String prefix = "/gateway/compacted/";
    for (int i = 0; i < 2 * RangeReader.MIN_PAGE_KEYS; i++) {
      etcd.server().put(prefix + String.format(Locale.ROOT, "%02d", i), "v");
    }
    RangeHooks hooks = new RangeHooks();
    AtomicInteger compactions = new AtomicInteger();
    // before every page after the first: a write, and the revision of the read compacted away
    hooks.beforeSend(
        RangeHooks.under(prefix).and(RangeHooks.atARevision()),
        RangeReader.MAX_ATTEMPTS,
        () -> {
          etcd.server().put("/gateway/other", "c" + compactions.incrementAndGet());
          etcd.server().compact();
        });
    EtcdOutageLog outageLog = new EtcdOutageLog();
    try (Client client = Client.builder().endpoints(etcd.endpoint()).interceptor(hooks).build();
        LogCapture outages = LogCapture.of(EtcdOutageLog.class)) {
      // each page's deadline also covers the hook's put and compaction, three calls of etcd's
      // HTTP gateway and a physical compaction: on a loaded machine they took most of the 1 s the
      // control plane's wiring gives a call, and the page timed out instead of being compacted away
      EtcdGateway gateway =
          TestGateways.wired(client, new StartFindings(), outageLog, ANSWERED_WITHIN);
      // connected before the read, for the same reason: the first call's connection alone took
      // most of a 1 s deadline
      client.getKVClient().get(EtcdGateway.bytes("/gateway/other")).get(30, TimeUnit.SECONDS);
      outageLog.unavailable(() -> "answering 503 to GET /api/v1/services", outageLog.now());

      Throwable failure = catchThrowable(() -> gateway.getPrefix(prefix));

      assertThat(failure)
          .isInstanceOfSatisfying(
              EtcdUnavailableException.class,
              e -> {
                assertThat(e.compacted()).as("compacted: %s", e).isTrue();
                assertThat(e.compactions()).isEqualTo(RangeReader.MAX_ATTEMPTS);
                assertThat(e.hint()).isNull();
                // the page it failed at starts just after the first page's last key (07)
                assertThat(e.getMessage())
                    .isEqualTo(
                        "etcd compacted away the revision the read was at (read the range from "
                            + prefix
                            + ", page after "
                            + prefix
                            + "07), 3 times in a row");
              });
      assertThat(compactions.get()).isEqualTo(RangeReader.MAX_ATTEMPTS);
      assertThat(outages.records())
          .filteredOn(r -> r.getLevel() == Level.INFO)
          .as("etcd answered: the stretch is over")
          .extracting(LogRecord::getMessage)
          .containsExactly(
              "etcd answers again; 1 API call was answered 503 etcd-unavailable meanwhile (the"
                  + " first logged at WARNING, the rest at FINE)");
      assertThat(gateway.answeredOnce()).isTrue();
      // the compactions over, the same read works
      assertThat(gateway.getPrefix(prefix).kvs()).hasSize(2 * RangeReader.MIN_PAGE_KEYS);
    }
  }

  /**
   * A read the caller gave up on at its deadline (the API already answered 503) ends soon after,
   * while etcd is still away. jetcd does not pass the cancel of its future on to the gRPC call,
   * which waited for a connection until the control plane stopped, and did the read for no one once
   * etcd came back.
   */
  @Test
  void aReadGivenUpOnAtItsDeadlineEndsWhileEtcdIsStillAway() throws Exception {
    OutstandingCalls calls = startedCalls(TIMEOUT);
    try (Client client = clientThrough(calls, etcd.endpoint(), TIMEOUT)) {
      readA(gateway(client, ANSWERED_WITHIN), client);
      EtcdGateway gateway = gateway(client, TIMEOUT);
      etcd.server().stop();
      try {
        assertThatThrownBy(() -> gateway.await(client.getKVClient().get(key("a")), "read a"))
            .isInstanceOf(EtcdUnavailableException.class)
            .hasMessageContaining("did not answer within " + TIMEOUT.toMillis() + " ms");

        await("the abandoned read ends")
            .atMost(calls.deadline().plusSeconds(5))
            .until(calls::waiting, n -> n == 0);
        assertThat(calls.isRunning()).as("no stop ended it").isTrue();
      } finally {
        etcd.server().start();
      }
    }
  }

  /**
   * A read and a change the callers gave up on at their deadline while etcd is frozen (connected,
   * the requests sent, no answer) end at their gRPC deadline ({@link OutstandingCalls#deadline()})
   * while etcd is still frozen. The cancel of jetcd's future never reaches the gRPC call: without
   * that deadline each stayed outstanding, its stream and request held, for as long as etcd stayed
   * frozen.
   */
  @Test
  void callsGivenUpOnWhileEtcdIsFrozenEndAtTheirDeadlineWhileEtcdIsStillFrozen() throws Exception {
    OutstandingCalls calls = startedCalls(TIMEOUT);
    try (Client client = clientThrough(calls, etcd.endpoint(), TIMEOUT)) {
      readA(gateway(client, ANSWERED_WITHIN), client);
      EtcdGateway gateway = gateway(client, TIMEOUT);
      etcd.server().freeze(); // connected, but answers nothing
      try {
        // at once: each waits out the timeout
        CompletableFuture<Throwable> reading = failureOf(() -> readA(gateway, client));
        CompletableFuture<Throwable> committing = failureOf(() -> writeA(gateway, client, 3));
        assertThat(List.of(reading.join(), committing.join()))
            .allSatisfy(
                failure ->
                    assertThat(failure)
                        .isInstanceOf(EtcdUnavailableException.class)
                        .hasMessageContaining(
                            "did not answer within " + TIMEOUT.toMillis() + " ms"));

        await("the abandoned calls end, etcd still frozen")
            .atMost(calls.deadline().plusSeconds(5))
            .until(calls::waiting, n -> n == 0);
        assertThat(calls.isRunning()).as("no stop ended them").isTrue();
      } finally {
        etcd.server().thaw();
      }
    }
  }

  /**
   * A caller interrupted while it waits for etcd (a request the web server's stop interrupts once
   * the graceful shutdown's time is up) was told "interrupted while waiting for etcd", an etcd
   * outage to the API. It is told the control plane stops ({@link
   * EtcdUnavailableException#interrupted()}), not the client's close, and keeps its interrupt flag.
   */
  @Test
  void aCallerInterruptedWhileItWaitsIsToldTheStopAndKeepsItsInterrupt() throws Exception {
    try (Client client = client()) {
      EtcdGateway gateway = gateway(client, ANSWERED_WITHIN);
      writeA(gateway, client, 1); // connected
      etcd.server().freeze(); // connected, but answers nothing
      try {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicBoolean keptItsInterrupt = new AtomicBoolean();
        Thread waiting =
            new Thread(
                () -> {
                  failure.set(
                      catchThrowable(
                          () ->
                              gateway.commit(
                                  client.getKVClient().put(key("a"), value(2)), "write a")));
                  keptItsInterrupt.set(Thread.currentThread().isInterrupted());
                },
                "waits-for-etcd");
        waiting.start();
        await("the commit waits for etcd")
            .atMost(Duration.ofSeconds(20))
            .until(waiting::getState, state -> state == Thread.State.TIMED_WAITING);

        waiting.interrupt();

        await("the interrupted caller ends")
            .atMost(Duration.ofSeconds(10))
            .until(() -> !waiting.isAlive());
        assertThat(failure.get())
            .isInstanceOfSatisfying(
                EtcdUnavailableException.class,
                e -> {
                  assertThat(e.interrupted()).as(e.getMessage()).isTrue();
                  assertThat(e.clientClosed()).as("the client is open").isFalse();
                  assertThat(e.outcomeUnknown()).as("a change on its way").isTrue();
                  assertThat(e.getMessage())
                      .isEqualTo(
                          "interrupted while waiting for etcd, as the control plane stops (write"
                              + " a)");
                });
        assertThat(keptItsInterrupt).isTrue();
      } finally {
        etcd.server().thaw();
      }
    }
  }

  /**
   * Once its owner says the client is closing ({@link EtcdGateway#clientClosing}), as the control
   * plane does before it closes the client, the gateway sends nothing, and a call that got the
   * client before and fails as it closes is the client's close too. jetcd fails such a call with
   * its executor's {@code rejected from … Terminated}, which was worded (and counted) as an etcd
   * outage.
   */
  @Test
  void callsOnceTheClientIsClosedAreRefusedAsTheClientClosed() {
    Client client = client();
    EtcdGateway gateway = gateway(client, ANSWERED_WITHIN);
    gateway.getPrefix("/gateway/closing/"); // connected
    KV before = gateway.kv(); // a call on its way as the client closes

    gateway.clientClosing();
    client.close();

    assertThatThrownBy(() -> gateway.getPrefix("/gateway/closing/"))
        .isInstanceOfSatisfying(
            EtcdUnavailableException.class,
            e -> {
              assertThat(e.clientClosed()).isTrue();
              assertThat(e.outcomeUnknown()).isFalse();
              assertThat(e.getMessage())
                  .isEqualTo(
                      "the etcd client is closed: the control plane is stopping; the call was not"
                          + " sent (read the range from /gateway/closing/)");
            });
    assertThatThrownBy(() -> gateway.commit(before.put(key("closing"), value(1)), "write closing"))
        .isInstanceOfSatisfying(
            EtcdUnavailableException.class,
            e -> {
              assertThat(e.clientClosed()).isTrue();
              assertThat(e.outcomeUnknown()).as("a change on its way").isTrue();
              assertThat(e.getMessage())
                  .isEqualTo(
                      "the etcd client is closed: the control plane is stopping (write closing)");
            });
  }

  /**
   * The stop cancels the calls still waiting ({@link OutstandingCalls#stop()}) a little before the
   * client closes: such a call failed as {@code etcd call failed (…): CANCELLED: the control plane
   * is stopping}, an etcd outage to the API (a WARNING stretch at the stop). It is the client's
   * close, as any call from then on, which is not sent.
   */
  @Test
  void callsTheStopCancelsAreRefusedAsTheClientClosed() throws Exception {
    OutstandingCalls calls = startedCalls(ANSWERED_WITHIN);
    try (Client client = clientThrough(calls, etcd.endpoint(), ANSWERED_WITHIN)) {
      EtcdGateway gateway =
          EtcdGateway.builder(client, new EtcdKeys("/gateway"), ANSWERED_WITHIN)
              .stopping(calls::stopping)
              .build();
      readA(gateway, client); // connected
      etcd.server().stop();
      try {
        // each waits for etcd, which does not come back before the stop
        CompletableFuture<Throwable> reading = failureOf(() -> readA(gateway, client));
        CompletableFuture<Throwable> committing = failureOf(() -> writeA(gateway, client, 2));
        await("both calls wait for etcd")
            .atMost(Duration.ofSeconds(20))
            .until(calls::waiting, n -> n == 2);

        calls.stop();

        assertThat(reading.join())
            .isInstanceOfSatisfying(
                EtcdUnavailableException.class,
                e -> {
                  assertThat(e.clientClosed()).as(e.getMessage()).isTrue();
                  assertThat(e.outcomeUnknown()).isFalse();
                  assertThat(e.getMessage())
                      .isEqualTo(
                          "the etcd client is closed: the control plane is stopping (read a)");
                });
        assertThat(committing.join())
            .isInstanceOfSatisfying(
                EtcdUnavailableException.class,
                e -> {
                  assertThat(e.clientClosed()).as(e.getMessage()).isTrue();
                  assertThat(e.outcomeUnknown()).as("a change on its way").isTrue();
                });
        assertThatThrownBy(() -> gateway.getPrefix("/gateway/"))
            .isInstanceOfSatisfying(
                EtcdUnavailableException.class,
                e ->
                    assertThat(e.getMessage())
                        .isEqualTo(
                            "the etcd client is closed: the control plane is stopping; the call"
                                + " was not sent (read the range from /gateway/)"));
      } finally {
        etcd.server().start();
      }
    }
  }

  /**
   * Health reads within its own, shorter deadline; once it has found etcd unreachable, so does
   * every read, while a change keeps the full timeout (cut short, more outcomes would be unknown).
   * The first read etcd answers ends it.
   */
  @Test
  void onceHealthFindsEtcdUnreachableReadsWaitItsDeadlineAndWritesTheFullOne() throws Exception {
    Duration health = Duration.ofMillis(500);
    try (Client client = client()) {
      readA(gateway(client, ANSWERED_WITHIN), client);
      EtcdGateway gateway =
          EtcdGateway.builder(client, new EtcdKeys("/gateway"), TIMEOUT)
              .healthTimeout(health)
              .build();
      etcd.server().freeze(); // connected, but answers nothing
      try {
        assertThatThrownBy(() -> gateway.checkHealth("/gateway/a", GetOption.DEFAULT))
            .isInstanceOf(EtcdUnavailableException.class)
            .hasMessageStartingWith("etcd did not answer within 500 ms (read /gateway/a)");
        assertThat(gateway.foundUnreachable()).as("one miss is no verdict").isFalse();
        assertThatThrownBy(() -> readA(gateway, client))
            .hasMessageContaining("did not answer within " + TIMEOUT.toMillis() + " ms (read a)");

        gateway.markUnreachable();
        assertThatThrownBy(() -> readA(gateway, client))
            .isInstanceOf(EtcdUnavailableException.class)
            .hasMessageContaining(
                "did not answer within 500 ms (read a; health had found etcd unreachable, so"
                    + " reads wait sluice.etcd.health-timeout until etcd answers again)");
        assertThatThrownBy(() -> writeA(gateway, client, 2))
            .isInstanceOfSatisfying(
                EtcdUnavailableException.class,
                e -> {
                  assertThat(e.getMessage())
                      .contains("did not answer within " + TIMEOUT.toMillis() + " ms (write a)");
                  assertThat(e.outcomeUnknown()).isTrue();
                });
        // a read a write is made of waits as the write does, and changed nothing
        assertThatThrownBy(
                () -> gateway.awaitForWrite(client.getKVClient().get(key("a")), "read for a write"))
            .isInstanceOfSatisfying(
                EtcdUnavailableException.class,
                e -> {
                  assertThat(e.getMessage())
                      .contains(
                          "did not answer within " + TIMEOUT.toMillis() + " ms (read for a write)");
                  assertThat(e.outcomeUnknown()).isFalse();
                });
      } finally {
        etcd.server().thaw();
      }
      await("a read etcd answers")
          .atMost(Duration.ofSeconds(20))
          .ignoreExceptions()
          .until(
              () -> {
                readA(gateway, client);
                return true;
              });
      assertThat(gateway.foundUnreachable()).as("etcd answered: reads wait in full").isFalse();
    }
  }

  /** Runs {@code call} on another thread; completes with what it threw, or null. */
  private static CompletableFuture<Throwable> failureOf(ThrowingCallable call) {
    return CompletableFuture.supplyAsync(() -> catchThrowable(call));
  }

  /** Reads the key {@code a} through {@code gateway}. */
  private static void readA(EtcdGateway gateway, Client client) {
    gateway.await(client.getKVClient().get(key("a")), "read a");
  }

  /** Writes {@code size} bytes to the key {@code a} through {@code gateway}. */
  private static void writeA(EtcdGateway gateway, Client client, int size) {
    gateway.commit(client.getKVClient().put(key("a"), value(size)), "write a");
  }

  private static ByteSequence key(String name) {
    return EtcdGateway.bytes("/gateway/" + name);
  }

  private static ByteSequence value(int size) {
    return ByteSequence.from(new byte[size]);
  }
}
