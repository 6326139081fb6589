package io.sluice.javaagent.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client suite against the JDK's {@code java.net.http.HttpClient#send}. Cases about what only
 * Java 21 and later have ({@code HttpClient#shutdown}, {@code shutdownNow}) call a second app,
 * forked on a Java 21+ JDK ({@link Java21Runtime}) whatever JDK runs the tests, started when the
 * first of them runs.
 */
class JdkHttpClientIT extends AbstractHttpClientIT {

  /**
   * The Java 21 app's state directory, for the whole class as the app is: an instance field would
   * get a directory per test, deleted after the test that started the app while the app still
   * writes in it (JUnit failed that test on the directory not being empty).
   */
  @TempDir static Path java21StateDir;

  /** The app on Java 21 or later, once a case needed it. */
  private AgentApp java21App;

  private String java21Service() {
    return service() + "-java21";
  }

  /** The app on Java 21 or later, started (and reporting to etcd) on the first call. */
  private AgentApp java21App() throws Exception {
    if (java21App == null) {
      java21App =
          AgentApp.startOn(
              Java21Runtime.java(),
              AgentApp.sluiceAgentJar(),
              appProperties(java21Service(), java21StateDir));
      status.awaitAgent(java21Service(), java21App);
    }
    return java21App;
  }

  @AfterAll
  void stopJava21App() {
    if (java21App != null) {
      java21App.close();
    }
  }

  @Override
  String client() {
    return "jdk";
  }

  @Override
  String rejectionErrorType() {
    return "java.net.ConnectException";
  }

  /**
   * A WebSocket the app opens with the JDK client ({@code newWebSocketBuilder().buildAsync}) on a
   * breaker whose policy answers in response mode: refused handshakes (503) open the breaker, which
   * then fails the opening with its {@code ConnectException}, as in mode error: no synthetic
   * response can stand for a handshake's, which the JDK casts to an internal type. The opening
   * failed with a {@code ClassCastException} before, and the app's listener heard nothing.
   */
  @Test
  void aWebSocketOpenedOnAnOpenBreakerInResponseModeFailsWithTheBreakersError() throws Exception {
    try (WebSocketDownstream ws = WebSocketDownstream.start()) {
      String policy = "jdk-websocket";
      String url = ws.url("/ws/jdk");
      applyRules(
          Rules.document(
              service(),
              Rules.breaker(policy, ws.port(), "/ws/**", "120s", Rules.RESPONSE, false)));
      AppAnswer session = app.call("jdk-websocket", "GET", url, Map.of());
      assertThat(session.failed()).as("%s\n%s", session.error(), app.log()).isFalse();
      assertThat(session.status()).isEqualTo(101);

      ws.answer(503);
      AtomicReference<AppAnswer> rejected = new AtomicReference<>();
      await("the breaker opens on handshakes the server refuses with 503")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(50))
          .until(
              () -> {
                AppAnswer answer = app.call("jdk-websocket", "GET", url, Map.of());
                assertThat(answer.failed()).as("a refused opening: %s", app.log()).isTrue();
                assertThat(answer.error()).doesNotContain("ClassCastException");
                if (answer.error().contains("Sluice circuit breaker")) {
                  rejected.set(answer);
                  return true;
                }
                return false;
              });
      assertThat(rejected.get().error())
          .startsWith("java.net.ConnectException")
          .contains("Sluice circuit breaker '" + policy + "'")
          .contains("OPEN");
    } finally {
      applyRules(Rules.document(service()));
    }
  }

  /**
   * A call the app cancels without interrupting ({@code cancel(false)}, as Kotlin's {@code await()}
   * does when a coroutine times out) goes on: the JDK stops an exchange only for {@code
   * cancel(true)}. Its outcome counts when it comes: four such calls, held by the server and then
   * answered 503, open the breaker. Before, each was abandoned at the cancel while it went on, its
   * permission given back (a half-open breaker let more calls through than its trial calls) and its
   * failure never counted: the breaker stayed closed.
   */
  @Test
  void aCallCancelledWithoutInterruptingGoesOnAndItsOutcomeCounts() throws Exception {
    String policy = "cancelfalse-" + client();
    String url = downstream.url("/cancelfalse" + Downstream.SLOW + "orders");
    applyRules(
        Rules.document(
            service(),
            Rules.breaker(
                policy, downstream.port(), "/cancelfalse/**", "120s", Rules.ERROR, false)));
    try {
      downstream.answer(503);
      int reached = downstream.requestCount();
      for (int i = 0; i < 4; i++) {
        AppAnswer answer = app.call("jdk-async-cancel-false", "GET", url, Map.of());
        assertThat(answer.failed()).as("call %d: %s", i, answer.error()).isFalse();
        assertThat(answer.body()).as("call %d", i).isEqualTo("cancelled");
      }
      await("the four cancelled calls reached the server, which holds them")
          .atMost(Duration.ofSeconds(10))
          .until(() -> downstream.requestCount() - reached == 4);
      downstream.releaseSlowRequests();
      awaitBreakerReported(
          service(),
          "the agent reports the breaker opened by the four 503s",
          breaker -> {
            assertThat(breaker.policy()).isEqualTo(policy);
            assertThat(breaker.state()).isEqualTo("OPEN");
          });
    } finally {
      applyRules(Rules.document(service()));
    }
  }

  /**
   * A body the JDK reads from the app's {@code InputStream}, which fails ({@code
   * BodyPublishers.ofInputStream}: the JDK's publisher signals the app's error), counts neither
   * way.
   */
  @Test
  void requestsWhoseBodyTheAppFailsLeaveTheBreakerClosed() throws Exception {
    checkRequestsWhoseBodyTheAppFailsLeaveTheBreakerClosed("jdk-failing-body");
  }

  /**
   * A response the app's {@code BodyHandlers.ofFile} cannot write (its directory does not exist)
   * fails the call with the JDK file writer's {@code NoSuchFileException}, after the target
   * answered 200: the app's failure, which counts neither way. Before, each was a failure of the
   * target, and the breaker opened on a healthy one.
   */
  @Test
  void responsesTheAppCannotWriteToItsFileLeaveTheBreakerClosed() throws Exception {
    checkAppBodyFailuresLeaveTheBreakerClosed(
        "jdk-unwritable-file", "missing/body", "jdk-unwritable-file", "missing/body");
  }

  /**
   * A body publisher that publishes fewer or more bytes than the length it declares fails the
   * request ({@code Too few bytes returned by the publisher}, {@code Too many bytes in request
   * body}): the app's mistake, which counts neither way.
   */
  @Test
  void requestsWhoseBodyBreaksItsLengthLeaveTheBreakerClosed() throws Exception {
    checkRequestsWhoseBodyBreaksItsLengthLeaveTheBreakerClosed(
        "Too few bytes returned by the publisher", "Too many bytes in request body");
  }

  /**
   * A large body the server resets while the JDK sends it from the app's {@code InputStream} fails
   * the connection, not the app's body: the JDK cancels the body's publisher rather than signalling
   * its subscriber an error, so the call counts as the target's failure and opens the breaker.
   */
  @Test
  void aBodyTheServerResetsWhileTheJdkSendsItCountsAsAFailure() throws Exception {
    try (RawDownstream raw = RawDownstream.start()) {
      checkFailedSendsOpenTheBreaker(
          raw, "jdk-streaming-body", "/reset-body/orders", "[\"5xx\"]", "java.io.IOException");
    }
  }

  /**
   * Over HTTP/2 too ({@code h2c}, against {@link H2cDownstream}), a body publisher that publishes
   * fewer bytes than it declares is the app's mistake: the JDK refuses it while sending ({@code Too
   * few bytes returned by the publisher}, from the stream's body subscriber, which fails the call
   * as it fails one whose connection broke), and six such requests leave a closed breaker closed
   * with no failure in its window. Counted as failures, they opened the breaker and the fifth was
   * rejected.
   */
  @Test
  void http2RequestsWhoseBodyIsShorterThanItsLengthLeaveTheBreakerClosed() throws Exception {
    try (H2cDownstream h2c = H2cDownstream.start()) {
      String policy = "h2-short-" + client();
      checkAppFailuresLeaveTheBreakerClosed(
          policy,
          Rules.breaker(policy, h2c.port(), "/h2-short/**", "120s", Rules.ERROR, false),
          "jdk-h2-short-body",
          "POST",
          h2c.url("/h2-short/" + client()),
          "with a short body over HTTP/2",
          error ->
              error
                  .contains("Too few bytes returned by the publisher")
                  .contains("stream=")); // the HTTP/2 stream's subscriber, not HTTP/1.1's
    }
  }

  /**
   * A {@code BodyHandler} of the app's that throws an unchecked exception: the JDK fails the call
   * with it ({@code send} wraps it in an {@code IOException} with its message).
   */
  @Test
  void requestsTheAppsBodyHandlerFailsLeaveTheBreakerClosed() throws Exception {
    checkRequestsTheAppsOwnCodeFailsLeaveTheBreakerClosed(
        "jdk-failing-handler", "the app's body handler failed");
  }

  /**
   * The agent prints no JVM warning into the app's output on newer Java: since Java 24 the first
   * call of one of {@code sun.misc.Unsafe}'s memory-access methods prints four lines to standard
   * error naming the caller, and the protobuf runtime that jetcd's messages ran on (3.25) made one
   * at the agent's first etcd request. The app on Java 21+ (Temurin 25 on CI's machines) has
   * reported its status to etcd once started, so its messages went through protobuf by then.
   */
  @Test
  void theAppOnNewerJavaGetsNoUnsafeWarningFromTheAgent() throws Exception {
    assertThat(java21App().log()).as("the app's log").doesNotContain("sun.misc.Unsafe");
  }

  /**
   * Calls the app makes from virtual threads (Java 21 and later), through the JDK client and
   * through {@code HttpURLConnection}, in the app on Java 21+: they carry the request's trace in
   * W3C and B3 headers, their failures open the breaker of their target, and the open breaker
   * rejects them before they leave the process, whichever client made them.
   */
  @Test
  void callsFromVirtualThreadsCarryTheTraceAndAreGuarded() throws Exception {
    AgentApp app = java21App();
    for (String style : List.of("virtual:jdk", "virtual:huc")) {
      String traceId = randomHex(16);
      AppAnswer answer =
          app.call(
              style,
              "GET",
              downstream.url("/virtual/propagation"),
              Map.of("traceparent", "00-" + traceId + "-" + randomHex(8) + "-01"));
      assertThat(answer.failed()).as("%s: %s%n%s", style, answer.error(), app.log()).isFalse();
      assertThat(downstream.lastHeader("traceparent")).as(style).startsWith("00-" + traceId + "-");
      assertThat(downstream.lastHeader("X-B3-TraceId")).as(style).isEqualTo(traceId);
    }

    String policy = "virtual-" + client();
    String url = downstream.url("/virtual/orders");
    applyRules(
        app,
        java21Service(),
        Rules.document(
            java21Service(),
            Rules.breaker(policy, downstream.port(), "/virtual/**", "120s", Rules.ERROR, false)));
    try {
      downstream.answer(500);
      AppAnswer rejected =
          callUntilRejected(
              app, "virtual:jdk", url, "the breaker opens on calls from virtual threads");
      assertThat(rejected.error())
          .startsWith(rejectionErrorType())
          .contains("Sluice circuit breaker '" + policy + "'");
      int reached = downstream.requestCount();
      assertThat(app.call("virtual:huc", "GET", url, Map.of()).error())
          .contains("Sluice circuit breaker '" + policy + "'");
      assertThat(downstream.requestCount()).as("calls that reached the server").isEqualTo(reached);
    } finally {
      applyRules(app, java21Service(), Rules.document(java21Service()));
    }
  }

  /**
   * Calls the app gives up on by interrupting the virtual thread that makes them (a time limiter's
   * cancellation, an executor's {@code shutdownNow}) through {@code HttpURLConnection} say nothing
   * about the target: on a virtual thread the socket fails them with {@code SocketException: Closed
   * by interrupt}. Counted as the target's failures, they opened the breaker of a healthy target,
   * as the JDK client's, OkHttp's and Apache's calls no longer did.
   */
  @Test
  void callsTheAppInterruptsOnVirtualThreadsLeaveTheBreakerClosed() throws Exception {
    String policy = "interrupted-virtual-huc";
    // held back by the server, so the read waits and meets the interrupt: a virtual thread's
    // socket checks it only when it waits, and a loopback connect (or a connection kept alive)
    // and an answer already there let the interrupted call through, answered
    checkAppFailuresLeaveTheBreakerClosed(
        java21App(),
        java21Service(),
        policy,
        Rules.breaker(policy, downstream.port(), "/interrupted/**", "120s", Rules.ERROR, false),
        "virtual:huc-interrupted",
        "GET",
        downstream.url("/interrupted" + Downstream.SLOW + "virtual-huc"),
        "interrupted by the app",
        error -> error.contains("Closed by interrupt"));
  }

  /**
   * Calls the app makes on a client it shut down ({@code HttpClient#shutdown} or {@code close()},
   * Java 21 and later) never leave the process: the JDK fails each at once with {@code IOException:
   * closed}, which says nothing about the target, and six of them leave a closed breaker closed
   * with no failure in its window. Before, each counted as a failure of the target and the breaker
   * opened. In the app on Java 21 or later.
   */
  @Test
  void callsOnAClientTheAppShutDownLeaveTheBreakerClosed() throws Exception {
    String policy = "closed-" + client();
    checkAppFailuresLeaveTheBreakerClosed(
        java21App(),
        java21Service(),
        policy,
        Rules.breaker(policy, downstream.port(), "/closed/**", "120s", Rules.ERROR, false),
        "jdk-closed",
        "GET",
        downstream.url("/closed/" + client()),
        "on a client the app shut down",
        error -> error.isEqualTo("java.io.IOException: closed"));
  }

  /**
   * Calls under way when the app shuts their client down with {@code HttpClient#shutdownNow} (Java
   * 21 and later) fail with {@code IOException: shutdownNow}: the app's doing, not the target's,
   * and six of them leave a closed breaker closed with no failure in its window. Before, each
   * counted as a failure of the target and the breaker opened. In the app on Java 21 or later.
   */
  @Test
  void callsTheAppShutsDownNowLeaveTheBreakerClosed() throws Exception {
    String policy = "shutdown-now-" + client();
    checkAppFailuresLeaveTheBreakerClosed(
        java21App(),
        java21Service(),
        policy,
        Rules.breaker(policy, downstream.port(), "/shutdown-now/**", "120s", Rules.ERROR, false),
        "jdk-shutdown-now",
        "GET",
        downstream.url("/shutdown-now" + Downstream.SLOW + client()),
        "shut down under way",
        error -> error.isEqualTo("java.io.IOException: shutdownNow"));
  }
}
