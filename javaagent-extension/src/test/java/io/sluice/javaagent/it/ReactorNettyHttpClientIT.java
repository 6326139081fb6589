package io.sluice.javaagent.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.testing.net.RefusedPorts;
import io.sluice.testing.otlp.OtlpReceiver;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The client suite against Reactor Netty's {@code HttpClient} ({@code request(...).uri(...)
 * .responseSingle(...)}, what Spring's {@code WebClient} runs on by default). The test app's style
 * {@code client() + "-cancel"} disposes its subscription once the request is on the wire.
 */
class ReactorNettyHttpClientIT extends AbstractHttpClientIT {

  @Override
  String client() {
    return "reactor";
  }

  @Override
  String rejectionErrorType() {
    return "java.net.ConnectException";
  }

  /**
   * No synthetic response for Reactor Netty (see the README): in mode {@code response} the rejected
   * call fails as in mode {@code error}, still in the process, with an error CLIENT span and the
   * rejection event.
   */
  @Override
  void checkRejectionInResponseMode(String policy, String url, int reached) throws Exception {
    checkRejectionFailsInResponseMode(policy, url, reached);
  }

  /** The app disposes its subscription once the request is on the wire. */
  @Test
  void aCancelledTrialCallCountsNeitherWay() throws Exception {
    checkCancelledTrialCallCountsNeitherWay(client() + "-cancel");
  }

  /** The app disposes its subscriptions, as it gives up on a slow server. */
  @Test
  void cancelledCallsLeaveAClosedBreakerClosed() throws Exception {
    checkCancelledCallsLeaveAClosedBreakerClosed(client() + "-cancel");
  }

  /**
   * A connection the server closes before it answers is the target's failure and opens the breaker,
   * unlike a subscription the app disposes itself.
   */
  @Test
  void aConnectionTheServerClosesWithoutAnsweringCountsAsAFailure() {
    checkConnectionsTheServerClosesOpenTheBreaker();
  }

  /**
   * Requests whose body the app's own publisher fails say nothing about the server (counted as
   * failures, as every error signal once was, they opened the breaker). The test app's style {@code
   * client() + "-failing-body"} sends such a request.
   */
  @Test
  void requestsWhoseBodyTheAppFailsLeaveTheBreakerClosed() throws Exception {
    checkRequestsWhoseBodyTheAppFailsLeaveTheBreakerClosed(client() + "-failing-body");
  }

  /**
   * Requests whose body is a file the app lost ({@code NoSuchFileException}, an I/O error like the
   * target's): sent as a publisher ({@code ByteBufFlux.fromPath}, test app style {@code
   * reactor-missing-file-body}) and with {@code sendFile(path, position, count)} ({@code
   * reactor-missing-file-sent}). Counted as failures, they opened a healthy target's breaker.
   */
  @Test
  void requestsWhoseBodyFileTheAppLostLeaveTheBreakerClosed() throws Exception {
    checkAppBodyFailuresLeaveTheBreakerClosed(
        "reactor-missing-file-body",
        "NoSuchFileException",
        "reactor-missing-file-sent",
        "NoSuchFileException");
  }

  /**
   * A client whose remote address is the app's own supplier ({@code remoteAddress(() -> ...)}, for
   * requests with a relative URI) has it asked once per request: Sluice asks it to guard the call
   * and hands Reactor Netty that address for the whole request. Before, Reactor Netty asked it
   * again each time it needed the address: six times in all with 1.3.7, so a supplier that balances
   * load advanced six times per request, and the request could go elsewhere than the breaker
   * guarded. The breaker guards the supplier's address: failures there open it (test app style
   * {@code reactor-remote-address}).
   */
  @Test
  void anAppsRemoteAddressSupplierIsAskedOncePerRequest() throws Exception {
    String policy = "supplied-" + client();
    String url = downstream.url("/supplied/" + client());
    String style = "reactor-remote-address";
    applyRules(
        Rules.document(
            service(),
            Rules.breakerOpeningAfter(
                2, policy, downstream.port(), "/supplied/**", "120s", Rules.ERROR)));
    try {
      downstream.answer(200);
      AppAnswer answered = app.call(style, "GET", url, Map.of());
      assertThat(answered.status()).as("%s: %s", answered.error(), app.log()).isEqualTo(200);
      assertThat(answered.headers()).containsEntry("x-remote-address-asked", "1");

      downstream.answer(500);
      AppAnswer rejected =
          callUntilRejected(style, url, "the breaker on the supplier's address opens");
      assertThat(rejected.error()).contains("Sluice circuit breaker '" + policy + "'");
    } finally {
      applyRules(Rules.document(service()));
      downstream.answer(200);
    }
  }

  /**
   * Requests the app's own pool has no connection for within its {@code pendingAcquireTimeout} say
   * nothing about the target: test app style {@code reactor-pool-exhausted} holds its pool's one
   * connection (a request the server holds back) and asks again, and gets the pool's {@code
   * PoolAcquireTimeoutException}, a {@code TimeoutException}. Counted as the target's failures, an
   * app that leaked connections, or a burst past {@code maxConnections}, opened a healthy target's
   * breaker.
   */
  @Test
  void requestsTheAppsExhaustedPoolRefusesLeaveTheBreakerClosed() throws Exception {
    String policy = "pool-" + client();
    checkAppFailuresLeaveTheBreakerClosed(
        policy,
        Rules.breaker(policy, downstream.port(), "/pool/**", "120s", Rules.ERROR, false),
        "reactor-pool-exhausted",
        "GET",
        downstream.url("/pool" + Downstream.SLOW + client()),
        "refused by the app's own pool",
        error -> error.contains("PoolAcquireTimeoutException"));
  }

  /**
   * WebSocket clients go through the same guard ({@code websocket().uri(...).handle(...)} and
   * {@code connect()}, test app styles {@code reactor-websocket} and {@code
   * reactor-websocket-connect}): an upgrade the server accepts ({@code 101}) is a success, upgrades
   * it refuses with a 503 are failures that open the breaker, the open breaker rejects both styles
   * with the suite's {@code ConnectException} and no connection is made, and a half-open breaker's
   * trial call that opens a long-lived session closes the breaker while the session stays open.
   * Before, a refused upgrade ({@code WebSocketClientHandshakeException}, no I/O error) counted
   * neither way and the breaker never opened.
   */
  @Test
  void websocketUpgradesAreGuardedAndCountedByTheirStatus() throws Exception {
    try (WebSocketDownstream ws = WebSocketDownstream.start()) {
      String policy = "websocket-" + client();
      String url = ws.url("/ws/" + client());
      applyRules(
          Rules.document(
              service(), Rules.breaker(policy, ws.port(), "/ws/**", "120s", Rules.ERROR, false)));

      AppAnswer session = app.call(WEBSOCKET, "GET", url, Map.of());
      assertThat(session.failed()).as("%s\n%s", session.error(), app.log()).isFalse();
      assertThat(session.status()).isEqualTo(101);
      assertThat(session.body()).isEqualTo("websocket " + WebSocketDownstream.WELCOME);

      ws.answer(503);
      AtomicInteger refused = new AtomicInteger();
      AtomicReference<AppAnswer> rejected = new AtomicReference<>();
      await("the breaker opens on upgrades the server refuses with 503")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(50))
          .until(
              () -> {
                AppAnswer answer = app.call(WEBSOCKET, "GET", url, Map.of());
                assertThat(answer.failed()).as("a refused upgrade: %s", app.log()).isTrue();
                if (answer.error().contains("Sluice circuit breaker")) {
                  rejected.set(answer);
                  return true;
                }
                assertThat(answer.error()).contains("503");
                refused.incrementAndGet();
                return false;
              });
      assertThat(refused).as("upgrades refused before the breaker opened").hasValue(3);
      assertThat(rejected.get().error())
          .startsWith("java.net.ConnectException")
          .contains("Sluice circuit breaker '" + policy + "'")
          .contains("OPEN");

      int connections = ws.connections();
      AppAnswer connect = app.call(WEBSOCKET_CONNECT, "GET", url, Map.of());
      assertThat(connect.error())
          .as("connect() on the open breaker")
          .startsWith("java.net.ConnectException")
          .contains("Sluice circuit breaker '" + policy + "'");
      assertThat(app.call(WEBSOCKET, "GET", url, Map.of()).error())
          .startsWith("java.net.ConnectException")
          .contains("Sluice circuit breaker '" + policy + "'");
      assertThat(ws.connections())
          .as("connections the rejected upgrades made")
          .isEqualTo(connections);

      // recovery: the half-open breaker's one trial call opens a session that stays open; its 101
      // closes the breaker at once (counted as a failure the breaker would open again, and held
      // until the session ends it would stay half-open)
      ws.answer(101);
      applyRules(
          Rules.document(
              service(), Rules.breaker(policy, ws.port(), "/ws/**", "1s", Rules.ERROR, false)));
      String held = ws.url("/ws" + WebSocketDownstream.HOLD + client());
      await("the half-open breaker lets a trial upgrade through")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(100))
          .until(
              () -> {
                AppAnswer answer = app.call(WEBSOCKET_CONNECT, "GET", held, Map.of());
                if (answer.failed()) {
                  assertThat(answer.error()).as(app.log()).contains("Sluice circuit breaker");
                  return false;
                }
                assertThat(answer.status()).isEqualTo(101);
                return true;
              });
      awaitClosedWithoutFailures(policy);
      assertThat(ws.openConnections()).as("the trial call's session is still open").isEqualTo(1);
    }
  }

  /** WebSocket connections nobody accepts are failures of the target and open the breaker. */
  @Test
  void refusedWebsocketConnectionsOpenTheBreaker() throws Exception {
    int closedPort = RefusedPorts.any();
    String policy = "ws-refused-" + client();
    String url = "ws://127.0.0.1:" + closedPort + "/ws/" + client();
    applyRules(
        Rules.document(
            service(), Rules.breaker(policy, closedPort, "/ws/**", "120s", Rules.ERROR, false)));
    try {
      AtomicInteger refused = new AtomicInteger();
      await("the breaker opens on refused websocket connections")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(50))
          .until(
              () -> {
                AppAnswer answer = app.call(WEBSOCKET, "GET", url, Map.of());
                assertThat(answer.failed()).as("a call to a closed port: %s", app.log()).isTrue();
                if (answer.error().contains("Sluice circuit breaker '" + policy + "'")) {
                  return true;
                }
                refused.incrementAndGet();
                return false;
              });
      assertThat(refused).as("connections refused before the breaker opened").hasValue(4);
    } finally {
      applyRules(Rules.document(service()));
    }
  }

  /**
   * A String URL with user info ({@code http://user:secret@host:port/...}): Reactor Netty takes
   * {@code user:secret@host} for the host name (its URL pattern) and fails to resolve it, so the
   * call never reaches the server, with Sluice as without it. Sluice guards it by the host and port
   * without user info: its failures, which say nothing about that server, leave the breaker closed
   * (the app keeps seeing Reactor Netty's own error); once the breaker is open for other reasons
   * the call is rejected with a message naming {@code 127.0.0.1:port}; the credentials appear in no
   * span, no Sluice log line and not in the agent status.
   */
  @Test
  void aStringUrlWithUserInfoIsGuardedByItsHostWithoutItsCredentials() throws Exception {
    String policy = "userinfo-" + client();
    String path = "/userinfo/" + client();
    String url = "http://user:" + SECRET + "@127.0.0.1:" + downstream.port() + path;

    // what the app sees without a breaker on the target
    AppAnswer unguarded = app.call(client(), "GET", url, Map.of());
    assertThat(unguarded.failed()).as("unguarded: %s", unguarded.status()).isTrue();
    String unguardedType = unguarded.error().substring(0, unguarded.error().indexOf(':'));

    applyRules(
        Rules.document(
            service(),
            Rules.breaker(policy, downstream.port(), "/userinfo/**", "120s", Rules.ERROR, false)));
    int before = downstream.requestCount();
    for (int i = 0; i < 6; i++) {
      AppAnswer answer = app.call(client(), "GET", url, Map.of());
      assertThat(answer.failed()).as("guarded call %d", i).isTrue();
      assertThat(answer.error())
          .as("guarded call %d", i)
          .startsWith(unguardedType + ":")
          .doesNotContain("Sluice circuit breaker");
    }
    assertThat(downstream.requestCount()).as("calls that reached the server").isEqualTo(before);
    awaitClosedWithoutFailures(policy);

    // the breaker opens on the same target's real failures, and then rejects the call as well
    downstream.answer(500);
    callUntilRejected(client(), downstream.url(path), "the breaker opens on 500s");
    String traceId = randomHex(16);
    AppAnswer rejected = callInTrace(url, traceId);
    assertThat(rejected.error())
        .startsWith(rejectionErrorType())
        .contains("Sluice circuit breaker '" + policy + "'")
        .doesNotContain(SECRET);
    await("the rejected call's spans are exported")
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(otlp.spans(traceId))
                    .anySatisfy(
                        span -> assertThat(span.events()).contains("sluice.breaker.rejected"))
                    .anySatisfy(
                        span -> {
                          assertThat(span.kind()).isEqualTo(OtlpReceiver.ReceivedSpan.KIND_CLIENT);
                          assertThat(span.statusCode())
                              .isEqualTo(OtlpReceiver.ReceivedSpan.STATUS_ERROR);
                        }));
    checkOneClientSpan(traceId);
    // the app's own SERVER span has the URL in its query: the test passes it so
    assertThat(otlp.spans(traceId))
        .filteredOn(span -> span.kind() != OtlpReceiver.ReceivedSpan.KIND_SERVER)
        .isNotEmpty()
        .allSatisfy(
            span -> {
              assertThat(span.name()).doesNotContain(SECRET);
              assertThat(span.attributes().values())
                  .as("attributes of span %s", span.name())
                  .noneMatch(value -> value.contains(SECRET));
            });
    assertThat(app.log().lines())
        .filteredOn(line -> line.toLowerCase(Locale.ROOT).contains("sluice"))
        .noneMatch(line -> line.contains(SECRET));
    await("the agent status names the target without the credentials")
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () ->
                assertThat(status.of(service()).orElseThrow().topTargets())
                    .anySatisfy(
                        stats ->
                            assertThat(stats.target()).isEqualTo("127.0.0.1:" + downstream.port()))
                    .noneSatisfy(stats -> assertThat(stats.target()).contains(SECRET)));
  }

  /** The password of the URL with user info. */
  static final String SECRET = "s3cr3t-pw";

  static final String WEBSOCKET = "reactor-websocket";
  static final String WEBSOCKET_CONNECT = "reactor-websocket-connect";
}
