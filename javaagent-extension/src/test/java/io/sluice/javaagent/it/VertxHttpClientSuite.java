package io.sluice.javaagent.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.testing.otlp.OtlpReceiver;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The client suite against Vert.x 5's {@code HttpClient#request}, with the checks every Vert.x 5
 * release must pass; subclasses choose the release (the class path).
 */
abstract class VertxHttpClientSuite extends AbstractHttpClientIT {

  @Override
  String client() {
    return "vertx";
  }

  @Override
  String rejectionErrorType() {
    return "java.net.ConnectException";
  }

  /**
   * The call a redirect core follows ({@code RequestOptions#setFollowRedirects}) is part of counts
   * the final response, not the 302: calls to {@code /moved/**} that end in a 500 open the breaker
   * on {@code /moved/**}. Counted by the 302, a success, it would never open.
   */
  @Test
  void aRedirectCoreFollowsCountsItsFinalResponse() throws Exception {
    checkARedirectCountsItsFinalResponse(client());
  }

  /**
   * Calls of test app style {@code style} to {@code /moved/**}, which the server redirects to a
   * target answering 500, open the breaker on {@code /moved/**}: the call counts its final
   * response.
   */
  void checkARedirectCountsItsFinalResponse(String style) throws Exception {
    String policy = "moved-" + style;
    applyRules(
        Rules.document(
            service(),
            Rules.breaker(policy, downstream.port(), "/moved/**", "120s", Rules.ERROR, false)));
    try {
      downstream.answer(500);
      AppAnswer rejected =
          callUntilRejected(
              style,
              downstream.url("/moved/final/" + style),
              "the breaker opens on redirected calls that end in a 500");
      assertThat(rejected.error()).contains("Sluice circuit breaker '" + policy + "'");
    } finally {
      applyRules(Rules.document(service()));
    }
  }

  /** The app resets a request on the wire ({@code HttpClientRequest#reset}). */
  @Test
  void aCancelledTrialCallCountsNeitherWay() throws Exception {
    checkCancelledTrialCallCountsNeitherWay("vertx-reset");
  }

  /** The app resets requests on the wire, as it gives up on a slow server. */
  @Test
  void cancelledCallsLeaveAClosedBreakerClosed() throws Exception {
    checkCancelledCallsLeaveAClosedBreakerClosed("vertx-reset");
  }

  /**
   * A request naming neither host nor port goes to the client's defaults ({@code
   * HttpClientOptions#setDefaultHost}/{@code setDefaultPort}): the breakers guard that target. The
   * advice reads them where the release keeps them (fields of the client in 5.1, its options in
   * 5.0), so this checks each layout.
   */
  @Test
  void aRequestToTheClientsDefaultHostAndPortIsGuarded() throws Exception {
    String policy = "defaults-" + client();
    String url = downstream.url("/defaults/orders");
    applyRules(
        Rules.document(
            service(),
            Rules.breaker(policy, downstream.port(), "/defaults/**", "120s", Rules.ERROR, false)));
    downstream.answer(500);

    AppAnswer rejected =
        callUntilRejected(
            "vertx-defaults", url, "the breaker on the client's default target opens");
    assertThat(rejected.error())
        .startsWith(rejectionErrorType())
        .contains("Sluice circuit breaker '" + policy + "'");
    int reached = downstream.requestCount();
    assertThat(app.call("vertx-defaults", "GET", url, Map.of()).failed()).isTrue();
    assertThat(downstream.requestCount())
        .as("a rejected call stays in the process")
        .isEqualTo(reached);
  }

  /**
   * A connection the server closes before it answers is the target's failure and opens the breaker,
   * unlike a request the app resets itself: Vert.x fails both responses, and only the app's own
   * reset goes through {@code HttpClientRequest#reset}.
   */
  @Test
  void aConnectionTheServerClosesWithoutAnsweringCountsAsAFailure() {
    checkConnectionsTheServerClosesOpenTheBreaker();
  }

  /**
   * A request whose body is the app's own {@code ReadStream}, which fails: Vert.x's pipe ends the
   * request where the body failed, and the app gets what the server answers to that cut request
   * (here a 500). The app's failure says nothing about the target: six such calls leave a closed
   * breaker closed with no failure in its window, and the next call reaches the server. Counted by
   * the server's answers, they opened the breaker and the fifth call was rejected.
   */
  @Test
  void requestsWhoseBodyStreamTheAppFailsCountNeitherWay() throws Exception {
    String policy = "appfail-" + client();
    String url = downstream.url("/appfail/" + client());
    applyRules(
        Rules.document(
            service(),
            Rules.breaker(policy, downstream.port(), "/appfail/**", "120s", Rules.ERROR, false)));
    downstream.answer(500);
    try {
      for (int i = 0; i < 6; i++) {
        AppAnswer answer = app.call("vertx-failing-body", "POST", url, Map.of());
        assertThat(answer.failed())
            .as("call %d with a failing body stream: %s\n%s", i, answer.error(), app.log())
            .isFalse();
        assertThat(answer.status()).as("call %d: the server's answer", i).isEqualTo(500);
      }

      downstream.answer(200);
      AppAnswer next = app.call(client(), "GET", url, Map.of());
      assertThat(next.failed()).as("the call after: %s", next.error()).isFalse();
      assertThat(next.status()).isEqualTo(200);
      awaitClosedWithoutFailures(policy);
    } finally {
      applyRules(Rules.document(service()));
    }
  }

  /**
   * Opens the breaker of a new policy {@code policy} on {@code path} (a glob) by failing calls to
   * {@code url} (a URL under it), then has the same breaker answer with a synthetic response, as a
   * rule change applied without restart; the downstream answers 200 from then on. Returns the
   * requests the downstream has had, so the caller can show that nothing more reached it. The
   * caller puts the rules back ({@code applyRules(Rules.document(service()))}) when done.
   */
  private int openAnsweringSynthetically(String policy, String path, String url) throws Exception {
    applyRules(
        Rules.document(
            service(), Rules.breaker(policy, downstream.port(), path, "120s", Rules.ERROR, false)));
    downstream.answer(500);
    callUntilRejected(client(), url, "the breaker on " + path + " opens");
    downstream.answer(200);
    applyRules(
        Rules.document(
            service(),
            Rules.breaker(policy, downstream.port(), path, "120s", Rules.RESPONSE, false)));
    return downstream.requestCount();
  }

  /**
   * An app that forwards a request it serves as the body of its own request ({@code
   * send(ReadStream)}, test app style {@code vertx-forwarded-body}: it paused the request it serves
   * while it made its own) gets the synthetic answer of the open breaker, and the request it
   * forwarded is read to its end before that answer comes, as Vert.x's own {@code send} pipes it
   * into a request the server answers. Before, the synthetic request never read it: the answer came
   * at once, and the request the app served stayed paused, its end never came and its connection
   * was stuck.
   */
  @Test
  void aPausedRequestForwardedToAnOpenBreakerIsReadToItsEndBeforeTheSyntheticAnswer()
      throws Exception {
    String url = downstream.url("/forwarded/" + client());
    try {
      int reached = openAnsweringSynthetically("forwarded-" + client(), "/forwarded/**", url);

      AppAnswer forwarded = app.call("vertx-forwarded-body", "POST", url, Map.of());
      assertThat(forwarded.failed()).as("%s\n%s", forwarded.error(), app.log()).isFalse();
      assertThat(forwarded.status()).as(forwarded.body()).isEqualTo(503);
      assertThat(forwarded.headers()).containsEntry("x-sluice", "open");
      assertThat(forwarded.body()).isEqualTo("fallback");
      assertThat(forwarded.headers())
          .as("how much of the forwarded request was read when the synthetic answer came")
          .containsEntry("x-sluice-test-forwarded-read", 3 * 16 * 1024 + " bytes, ended");
      assertThat(downstream.requestCount())
          .as("a rejected call stays in the process")
          .isEqualTo(reached);
    } finally {
      applyRules(Rules.document(service()));
    }
  }

  /**
   * An app that gives up on its request where the body stream it pipes in fails ({@code reset(0,
   * cause)}, as {@code WebClient#sendStream} does; test app style {@code vertx-reset-stream}) gets
   * its call failed with that failure when an open breaker answers with a synthetic response, as
   * Vert.x fails the response of a real request reset before its answer. Before, the synthetic
   * request's reset did nothing: the response never came and the app's call hung until its own 10 s
   * wait gave up.
   */
  @Test
  void aRequestResetWhereItsBodyStreamFailedFailsWhenAnOpenBreakerAnswers() throws Exception {
    checkARequestResetWhereItsBodyStreamFailedFails("vertx-reset-stream");
  }

  /**
   * Calls of test app style {@code style} (a body stream that fails, on which the request is reset)
   * to {@code /reset-stream/**} while the breaker there is open with a synthetic response fail with
   * the body stream's failure well within the app's wait, and nothing leaves the process.
   */
  void checkARequestResetWhereItsBodyStreamFailedFails(String style) throws Exception {
    String url = downstream.url("/reset-stream/" + style);
    try {
      int reached = openAnsweringSynthetically("reset-stream-" + style, "/reset-stream/**", url);

      AppAnswer reset = app.call(style, "POST", url, Map.of());
      assertThat(reset.error())
          .as(
              "the app's call fails with its body stream's failure, not its own wait\n%s",
              app.log())
          .contains("the app's request body failed")
          .doesNotContain("TimeoutException");
      assertThat(downstream.requestCount())
          .as("a rejected call stays in the process")
          .isEqualTo(reached);
    } finally {
      applyRules(Rules.document(service()));
    }
  }

  /**
   * A request whose body the app writes before it ends it ({@code write}, then {@code end}, as
   * {@code send(ReadStream)}'s pipe does) gains no header after its head left with that first
   * chunk. The connection's event loop encodes the head from the request's own header map, later
   * when the request goes on on another event loop; the agent's Vert.x instrumentation puts its
   * trace context headers into that map when the request ends. Before, those late puts raced the
   * encoding: about one such request in a thousand on a loaded machine never left (the encoding
   * threw a {@code ConcurrentModificationException}) and its response never came, as in {@link
   * #requestsWhoseBodyStreamTheAppFailsCountNeitherWay}. The late puts themselves happen on every
   * such request, so this fails every time they are let through. A header put once the request has
   * ended still fails as Vert.x fails it (before, it was silently ignored too).
   */
  @Test
  void aRequestWhoseHeadLeftWithItsFirstChunkGainsNoHeaderAfterwards() throws Exception {
    downstream.answer(200);
    AppAnswer answer =
        app.call("vertx-written-body", "POST", downstream.url("/written/" + client()), Map.of());
    assertThat(answer.failed()).as("%s\n%s", answer.error(), app.log()).isFalse();
    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.headers())
        .as("headers the request gained after its head left")
        .containsEntry("x-sluice-test-late-headers", "");
    assertThat(answer.headers())
        .as("a header put on the ended request fails, as without the agent")
        .containsEntry(
            "x-sluice-test-put-after-end", "IllegalStateException: Request already complete");
  }

  /**
   * A request whose head leaves before the app ends it has one CLIENT span, and it is the parent
   * the head carries in W3C and B3 headers: {@code vertx-written-body} writes a first chunk and
   * then ends the request, {@code vertx-stream-body} hands {@code send} a {@code ReadStream} of its
   * own, which Vert.x pipes in, {@code vertx-head-first} sends the head ({@code sendHead}) and then
   * ends the request with its body. The agent's Vert.x instrumentation starts a CLIENT span and
   * puts the trace headers on each {@code sendHead} and {@code end}. Before, a first {@code write}
   * sent the head before either: its headers came from the agent's Netty instrumentation, whose
   * CLIENT span stood beside the Vert.x one started at {@code end}; and a head sent first carried
   * the id of a span that never ended, beside a second one started at {@code end}.
   */
  @ParameterizedTest
  @ValueSource(strings = {"vertx-written-body", "vertx-stream-body", "vertx-head-first"})
  void aRequestWhoseHeadLeavesBeforeItEndsHasOneClientSpanItsHeadNames(String style)
      throws Exception {
    downstream.answer(200);
    String traceId = randomHex(16);
    AppAnswer answer =
        app.call(
            style,
            "POST",
            downstream.url("/streamed-trace/" + style),
            Map.of("traceparent", "00-" + traceId + "-" + randomHex(8) + "-01"));
    assertThat(answer.failed()).as("%s\n%s", answer.error(), app.log()).isFalse();
    assertThat(answer.status()).isEqualTo(200);

    checkOneClientSpanNamedOnTheWire(
        traceId,
        downstream.lastHeader("traceparent"),
        downstream.lastHeader("X-B3-TraceId"),
        downstream.lastHeader("X-B3-SpanId"));
  }

  /**
   * As {@link #aRequestWhoseHeadLeavesBeforeItEndsHasOneClientSpanItsHeadNames}, over HTTP/2
   * ({@code h2c} with prior knowledge, against {@link H2cDownstream}): a small {@code ReadStream}
   * given to {@code send} (test app style {@code vertx-h2-stream-body}). The agent's Netty
   * instrumentation does not see HTTP/2 frames: before, such a request left without any trace
   * header, and the called service started a trace of its own.
   */
  @Test
  void anHttp2RequestWhoseBodyIsStreamedHasOneClientSpanItsHeadNames() throws Exception {
    try (H2cDownstream h2c = H2cDownstream.start()) {
      String traceId = randomHex(16);
      AppAnswer answer =
          app.call(
              "vertx-h2-stream-body",
              "POST",
              h2c.url("/streamed-trace/h2"),
              Map.of("traceparent", "00-" + traceId + "-" + randomHex(8) + "-01"));
      assertThat(answer.failed()).as("%s\n%s", answer.error(), app.log()).isFalse();
      assertThat(answer.body()).isEqualTo("h2c downstream HTTP_2");
      checkOneClientSpanNamedOnTheWire(
          traceId,
          answer.headers().get("x-seen-traceparent"),
          answer.headers().get("x-seen-x-b3-traceid"),
          answer.headers().get("x-seen-x-b3-spanid"));
    }
  }

  /**
   * The trace {@code traceId} has one CLIENT span, the parent the request's head named in its
   * {@code traceparent}, {@code X-B3-TraceId} and {@code X-B3-SpanId} headers (as the server read
   * them), once the app's SERVER span, which ends after it, is exported.
   */
  private void checkOneClientSpanNamedOnTheWire(
      String traceId, String traceparent, String b3TraceId, String b3SpanId) {
    assertThat(traceparent).as("traceparent").startsWith("00-" + traceId + "-");
    assertThat(b3TraceId).as("X-B3-TraceId").isEqualTo(traceId);
    String parentSpanId = traceparent.split("-")[2];
    assertThat(b3SpanId).as("X-B3-SpanId").isEqualTo(parentSpanId);
    await("the app's SERVER span is exported")
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(otlp.spans(traceId))
                    .anySatisfy(
                        span ->
                            assertThat(span.kind())
                                .isEqualTo(OtlpReceiver.ReceivedSpan.KIND_SERVER)));
    assertThat(otlp.spans(traceId))
        .as("the trace's CLIENT spans")
        .filteredOn(span -> span.kind() == OtlpReceiver.ReceivedSpan.KIND_CLIENT)
        .singleElement()
        .satisfies(span -> assertThat(span.spanId()).isEqualTo(parentSpanId));
  }

  /**
   * Vert.x fails every stream whose connection closed with one shared exception: a body stream of
   * the app's that fails so (test app style {@code vertx-closed-body}: its own upstream went away)
   * is the app's failure, yet what the pipe makes of it must not stick to that exception, which
   * also fails every request whose connection the target closes. After such a body, connections the
   * server closes still open the breaker. Before, the shared exception was kept as the app's for
   * the process's life, and those failures counted neither way: the breaker never opened.
   */
  @Test
  void aBodyStreamWhoseOwnConnectionClosedLeavesTheTargetsClosedConnectionsFailures()
      throws Exception {
    String policy = "closedbody-" + client();
    String url = downstream.url("/closedbody/" + client());
    applyRules(
        Rules.document(
            service(),
            Rules.breaker(
                policy, downstream.port(), "/closedbody/**", "120s", Rules.ERROR, false)));
    downstream.answer(200);
    try {
      AppAnswer answer = app.call("vertx-closed-body", "POST", url, Map.of());
      assertThat(answer.failed())
          .as("a body stream failing as a closed connection: %s\n%s", answer.error(), app.log())
          .isFalse();
      assertThat(answer.status()).as("the server's answer to the cut request").isEqualTo(200);

      checkConnectionsTheServerClosesOpenTheBreaker();
    } finally {
      applyRules(Rules.document(service()));
    }
  }

  /**
   * A large body stream the server resets while Vert.x pipes it into the request fails the pipe's
   * writes: the target's failure, which opens the breaker, though it fails the app's pipe too.
   */
  @Test
  void aBodyStreamTheServerResetsCountsAsAFailure() throws Exception {
    try (RawDownstream raw = RawDownstream.start()) {
      checkFailedSendsOpenTheBreaker(
          raw,
          "vertx-streaming-body",
          "/reset-body/orders",
          "[\"5xx\"]",
          "io.vertx.core.http.HttpClosedException");
    }
  }

  /**
   * A request's wait in the queue of the app's own connection pool is no slowness of the target:
   * the pool's one connection is held for a second, and the request waits that long before it
   * leaves. Vert.x asks its pool on an event loop, so the wait reaches the call by the connection
   * (see {@code VertxPoolWait}).
   */
  @Test
  void aWaitForTheAppsOwnPoolIsNotTheTargetsSlowness() throws Exception {
    checkAWaitForTheAppsOwnPoolIsNotTheTargetsSlowness("vertx-pool-wait");
  }

  /**
   * Requests the app's own connection pool refuses (its wait queue is full: Vert.x fails them with
   * a {@code ConnectionPoolTooBusyException} before they reach the target) say nothing about the
   * target: six of them leave a closed breaker closed with no failure in its window, as the pending
   * acquires over Reactor Netty's limit do. Counted as failures, the fifth would be rejected.
   */
  @Test
  void requestsTheAppsOwnPoolRefusesCountNeitherWay() throws Exception {
    String policy = "busy-" + client();
    checkAppFailuresLeaveTheBreakerClosed(
        policy,
        Rules.breaker(policy, downstream.port(), "/busy/**", "120s", Rules.ERROR, false),
        "vertx-pool-busy",
        "GET",
        downstream.url("/busy/" + client()),
        "refused by the app's pool",
        error -> error.contains("ConnectionPoolTooBusyException"));
  }

  /**
   * A request the app's own pool refuses says nothing about the target's speed either, however late
   * the app hears of it: six such requests, each refused while the app kept its event loop busy for
   * 300 ms (Vert.x tells of the refusal on that loop, so the call ends 300 ms after it started),
   * under a policy that opens when half of four calls were slower than 100 ms, leave the breaker
   * closed and the next call reaches the server. Before, refused requests were abandoned, which
   * counts a call that ends after its slow-call duration as slow: the breaker opened, and the fifth
   * request was rejected by the breaker instead of refused by the pool.
   */
  @Test
  void requestsTheAppsOwnPoolRefusesCountNeitherWayHoweverLateTheAppHearsOfIt() throws Exception {
    String policy = "busy-late-" + client();
    checkAppFailuresLeaveTheBreakerClosed(
        policy,
        Rules.slowBreaker(policy, downstream.port(), "/busy-late/**"),
        "vertx-pool-busy-late",
        "GET",
        downstream.url("/busy-late/" + client()),
        "refused by the app's pool",
        error -> error.contains("ConnectionPoolTooBusyException"));
  }

  /**
   * A request on its way to a connection of the app's own pool when the app closes its client fails
   * before it reaches the target, with an {@code IllegalStateException} ({@code Client is closed},
   * {@code Resource manager closed} or {@code shutdown}: which one depends on how far the request
   * got), or {@code Pool closed} when it was waiting in the pool's queue: six of them leave a
   * closed breaker closed with no failure in its window. Counted as failures, they opened the
   * breaker and the fifth was rejected.
   */
  @Test
  void requestsWaitingInAPoolTheAppClosesCountNeitherWay() throws Exception {
    String policy = "closedpool-" + client();
    checkAppFailuresLeaveTheBreakerClosed(
        policy,
        Rules.breaker(policy, downstream.port(), "/closedpool/**", "120s", Rules.ERROR, false),
        "vertx-pool-closed",
        "GET",
        downstream.url("/closedpool/" + client()),
        "waiting in a pool the app closed",
        error -> error.containsAnyOf("Client is closed", "Resource manager ", "Pool closed"));
  }

  /**
   * A request already sent when the app closes its client (shutting down, or recycling clients)
   * fails its response with Vert.x's {@code HttpClosedException}: the app gave up on it, which says
   * nothing about the target. Six of them leave a closed breaker closed with no failure in its
   * window. Counted as failures, they opened the breaker and the fifth was rejected.
   */
  @Test
  void requestsUnderWayWhenTheAppClosesItsClientCountNeitherWay() throws Exception {
    String policy = "closedinflight-" + client();
    checkAppFailuresLeaveTheBreakerClosed(
        policy,
        Rules.breaker(policy, downstream.port(), "/closedinflight/**", "120s", Rules.ERROR, false),
        "vertx-closed-in-flight",
        "GET",
        downstream.url("/closedinflight" + Downstream.SLOW + client()),
        "under way when the app closed its client",
        error -> error.contains("HttpClosedException"));
  }
}
