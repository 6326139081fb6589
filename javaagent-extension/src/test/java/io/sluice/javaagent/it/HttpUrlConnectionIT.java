package io.sluice.javaagent.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import io.sluice.rules.wire.AgentStatus;
import io.sluice.testing.net.RefusedPorts;
import io.sluice.testing.otlp.OtlpReceiver;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The client suite against the JDK's {@code java.net.HttpURLConnection} ({@code getResponseCode},
 * then headers and the body or error stream), and the same client over HTTPS, whose public
 * connection delegates to another.
 */
class HttpUrlConnectionIT extends AbstractHttpClientIT {

  @Override
  String client() {
    return "huc";
  }

  /**
   * An {@code ftp://} URL the JDK fetches through an HTTP proxy (its {@code FtpURLConnection} hands
   * the fetch to an {@code HttpURLConnection} of that URL) is no HTTP call of a service on the FTP
   * server's host: neither guarded nor counted. Before, it went into the breaker of the FTP
   * server's {@code host:port} ({@code host:80} without a port): here the proxy's 503s opened a
   * breaker on the FTP port, which then refused the fetch (through the app's {@code ProxySelector},
   * the JDK then blamed the proxy and fetched without it).
   */
  @Test
  void ftpUrlsFetchedThroughAnHttpProxyAreNotGuarded() throws Exception {
    try (Downstream proxy = Downstream.start()) {
      int ftpPort = 2121;
      applyRules(
          Rules.document(
              service(), Rules.breaker("ftp-port", ftpPort, "/**", "120s", Rules.ERROR, false)));
      proxy.answer(503);
      String url = "ftp://127.0.0.1:" + ftpPort + "/pub/f#proxy=" + proxy.port();
      for (int i = 0; i < 8; i++) {
        AppAnswer answer = app.call("huc-ftp-proxy", "GET", url, Map.of());
        assertThat(answer.failed()).as("call %d: %s", i, app.log()).isTrue();
        assertThat(answer.error())
            .as("call %d", i)
            .contains("503")
            .doesNotContain("Sluice circuit breaker");
      }
      assertThat(proxy.requestCount()).as("every fetch reached the proxy").isEqualTo(8);
    } finally {
      applyRules(Rules.document(service()));
    }
  }

  @Override
  String rejectionErrorType() {
    return "java.net.ConnectException";
  }

  /**
   * No synthetic response for {@code HttpURLConnection} (see the README): in mode {@code response}
   * the rejected call fails as in mode {@code error}, still in the process, with the agent's error
   * CLIENT span and the rejection event.
   */
  @Override
  void checkRejectionInResponseMode(String policy, String url, int reached) throws Exception {
    checkRejectionFailsInResponseMode(policy, url, reached);
  }

  /**
   * A redirect the JDK follows ends with the final response, which is the call's outcome: the JDK
   * reads the 302's headers through its own nested {@code getInputStream} calls, which must not
   * count. Counted, the 302 would be the call's success and the breaker on {@code /moved/**} would
   * never open while every call ends in a 500.
   */
  @Test
  void aRedirectedCallCountsItsFinalResponse() throws Exception {
    String policy = "moved-" + client();
    applyRules(
        Rules.document(
            service(),
            Rules.breaker(policy, downstream.port(), "/moved/**", "120s", Rules.ERROR, false)));
    downstream.answer(500);
    AppAnswer rejected =
        callUntilRejected(
            client(),
            downstream.url("/moved/final/" + client()),
            "the breaker opens on redirected calls that end in a 500");
    assertThat(rejected.error()).contains("Sluice circuit breaker '" + policy + "'");
  }

  /**
   * HTTPS goes through {@code HttpsURLConnectionImpl}, which delegates to a subclass of the HTTP
   * connection with a {@code connect()} of its own (the TLS handshake): its calls are guarded and
   * counted as HTTP calls are, and once the breaker opens none reaches the server.
   */
  @Test
  void anHttpsCallIsGuardedAsAnHttpCallIs() throws Exception {
    try (Downstream tls = Downstream.startTls()) {
      String policy = "tls-" + client();
      String url = tls.url("/tls/orders");
      applyRules(
          Rules.document(
              service(), Rules.breaker(policy, tls.port(), "/tls/**", "120s", Rules.ERROR, false)));
      assertThat(app.call("huc-tls", "GET", url, Map.of()).status())
          .as("an HTTPS call through the closed breaker")
          .isEqualTo(200);
      tls.answer(500);

      AppAnswer rejected =
          callUntilRejected("huc-tls", url, "the breaker opens on failing HTTPS calls");
      assertThat(tls.requestCount()).as("calls that reached the server").isGreaterThanOrEqualTo(4);
      assertThat(rejected.error())
          .startsWith("java.net.ConnectException")
          .contains("Sluice circuit breaker '" + policy + "'");
      int reached = tls.requestCount();
      assertThat(app.call("huc-tls", "GET", url, Map.of()).error())
          .contains("Sluice circuit breaker '" + policy + "'");
      assertThat(tls.requestCount()).isEqualTo(reached);
    } finally {
      applyRules(Rules.document(service()));
    }
  }

  /**
   * A connection the app connects explicitly and then writes a body to, without naming a method,
   * sends a POST ({@code getOutputStream} turns the default GET into a POST after the connect): a
   * policy on POST guards it, its 503s open that breaker and the next such call is rejected.
   * Before, the call was keyed by the GET of the moment it connected: the POST policy never saw it
   * and the breaker never opened.
   */
  @Test
  void aPostTheJdkMakesOfAConnectedGetIsGuardedAsAPost() throws Exception {
    String policy = "implicit-post";
    String url = downstream.url("/implicit-post/orders");
    applyRules(
        Rules.document(
            service(),
            Rules.breakerForMethod("POST", policy, downstream.port(), "/implicit-post/**")));
    downstream.answer(503);
    try {
      AtomicInteger failed = new AtomicInteger();
      await("the POST policy's breaker opens")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(50))
          .until(
              () -> {
                int sent = downstream.requestCount();
                AppAnswer answer = app.call("huc-post-after-connect", "GET", url, Map.of());
                if (answer.failed()) {
                  assertThat(answer.error()).contains("Sluice circuit breaker '" + policy + "'");
                  assertThat(downstream.requestCount())
                      .as("requests that reached the target for the rejected call")
                      .isEqualTo(sent);
                  return true;
                }
                assertThat(answer.status()).isEqualTo(503);
                assertThat(answer.headers()).containsEntry("x-request-method", "POST");
                assertThat(failed.incrementAndGet())
                    .as("503s to POSTs, under a policy on POST opening after 4")
                    .isLessThanOrEqualTo(4);
                return false;
              });
      assertThat(failed).hasValue(4);
    } finally {
      applyRules(Rules.document(service()));
    }
  }

  /**
   * A connection the app disconnects before asking for anything and then reads after all connects
   * again and sends its request: that request is a call of its own, guarded and counted. Before,
   * the connection kept the call its first connect had started, which the disconnect abandoned: the
   * request the second connect sent was neither guarded nor counted, and 500s never opened the
   * breaker.
   */
  @Test
  void aConnectionReconnectedAfterDisconnectIsGuardedAndCounted() throws Exception {
    checkReconnectedAfterDisconnectIsGuardedAndCounted("huc-reconnect", downstream, "reconnect");
  }

  /**
   * As {@link #aConnectionReconnectedAfterDisconnectIsGuardedAndCounted}, over HTTPS ({@code
   * huc-tls-reconnect}): the HTTPS {@code connect()} override keeps the call the disconnect ended,
   * and the HTTP {@code connect()} it calls, which sees that the JDK sends the request anew, starts
   * the call of its own before the TLS handshake.
   */
  @Test
  void anHttpsConnectionReconnectedAfterDisconnectIsGuardedAndCounted() throws Exception {
    try (Downstream tls = Downstream.startTls()) {
      checkReconnectedAfterDisconnectIsGuardedAndCounted("huc-tls-reconnect", tls, "tls-reconnect");
    }
  }

  /**
   * Under a policy opening after 4 calls, calls of {@code style} (connect, disconnect, then read)
   * that {@code target} answers with 500 open the breaker: 4 requests reach it, the fifth call is
   * rejected.
   */
  private void checkReconnectedAfterDisconnectIsGuardedAndCounted(
      String style, Downstream target, String policy) throws Exception {
    String url = target.url("/" + policy + "/orders");
    applyRules(
        Rules.document(
            service(),
            Rules.breaker(
                policy, target.port(), "/" + policy + "/**", "120s", Rules.ERROR, false)));
    target.answer(500);
    try {
      int before = target.requestCount();
      AppAnswer rejected =
          callUntilRejected(style, url, "the breaker opens on reconnected calls that end in a 500");
      assertThat(rejected.error()).contains("Sluice circuit breaker '" + policy + "'");
      assertThat(target.requestCount() - before)
          .as("requests that reached the target: the policy opens after 4")
          .isEqualTo(4);
    } finally {
      applyRules(Rules.document(service()));
    }
  }

  /**
   * The JDK forgets a connect that failed: the app connecting the same connection object again
   * makes it try the network again, and that attempt is a call of its own, which asks the breaker.
   * A refused call and a refused explicit {@code connect()} (test app style {@code
   * huc-connect-failed}) open a policy opening after 2 calls; connected again ({@code
   * huc-connect-again}) the same connection is rejected with the breaker's error, and so is every
   * later attempt on it ({@code huc-read-again}, whose {@code getResponseCode} connects
   * implicitly). Before, the second attempt found the ended call of the first, was not asked of the
   * breaker, and reached the closed port.
   */
  @Test
  void aConnectionConnectedAgainAfterItsConnectFailedIsRejectedByTheOpenBreaker() throws Exception {
    int closedPort = RefusedPorts.any();
    String policy = "connect-again";
    String url = "http://127.0.0.1:" + closedPort + "/connect-again/orders";
    applyRules(
        Rules.document(
            service(),
            Rules.breakerOpeningAfter(
                2, policy, closedPort, "/connect-again/**", "120s", Rules.ERROR)));
    try {
      assertThat(app.call(client(), "GET", url, Map.of()).error())
          .as("a call to the closed port: %s", app.log())
          .contains("Connection refused");
      assertThat(app.call("huc-connect-failed", "GET", url, Map.of()).error())
          .as("an explicit connect to the closed port: %s", app.log())
          .contains("Connection refused");

      String traceId = randomHex(16);
      AppAnswer again =
          app.call(
              "huc-connect-again",
              "GET",
              url,
              Map.of("traceparent", "00-" + traceId + "-" + randomHex(8) + "-01"));
      assertThat(again.error())
          .as("the same connection connected again, with the breaker open: %s", app.log())
          .startsWith("java.net.ConnectException")
          .contains("Sluice circuit breaker '" + policy + "'");
      // The agent gives a connection one CLIENT span, which ended with the refused connect: the
      // rejection of its second attempt is an event on the span current in the app, its SERVER
      // span here.
      await("the rejected reconnect's spans are exported")
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  assertThat(otlp.spans(traceId))
                      .as("the spans of the rejected reconnect's trace")
                      .anySatisfy(
                          span -> {
                            assertThat(span.kind())
                                .isEqualTo(OtlpReceiver.ReceivedSpan.KIND_SERVER);
                            assertThat(span.events()).contains("sluice.breaker.rejected");
                          }));
      assertThat(app.call("huc-read-again", "GET", url, Map.of()).error())
          .as("the rejected connection asked for its status")
          .contains("Sluice circuit breaker '" + policy + "'");
    } finally {
      applyRules(Rules.document(service()));
    }
  }

  /**
   * An app that calls more targets than a status lists reports the 50 busiest and counts the
   * others, so the control plane can say its list of unprotected dependencies is incomplete.
   * Before, the agent cut the list to 10 itself and reported none left out: a quiet unprotected
   * target was missing from the list with nothing saying so.
   */
  @Test
  void anAppCallingMoreTargetsThanAStatusListsReportsTheRestAsOmitted() throws Exception {
    int targets = 55;
    for (int i = 0; i < targets; i++) {
      int port = RefusedPorts.on(InetAddress.getByName("127.0.0.1"));
      assertThat(app.call(client(), "GET", "http://127.0.0.1:" + port + "/many", Map.of()).error())
          .as("call %d: %s", i, app.log())
          .contains("Connection refused");
    }
    await("the status lists 50 targets and counts the rest")
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              AgentStatus current = status.of(service()).orElseThrow();
              assertThat(current.topTargets()).hasSize(50);
              assertThat(current.topTargetsOmitted())
                  .as("at least the refused targets that did not fit")
                  .isGreaterThanOrEqualTo(targets - 50);
            });
  }

  /**
   * A connection whose connect was refused, asked for its status once the target is up, connects
   * again and sends its request ({@code huc-connect-failed}, the target starting on that port, then
   * {@code huc-read-again}): that call counts with its response. Under a policy on 4 calls, the
   * refused connect, the call connected again and two plain calls, all answered 200, make 4 calls
   * of which 1 failed: the agent reports a failure rate of 25%. Before, the call connected again
   * counted neither way: 3 calls, too few for a failure rate.
   */
  @Test
  void aConnectionConnectedAgainAfterItsConnectFailedCountsItsResponse() throws Exception {
    // bound, not listening: refused, and the port is this test's until it starts its target there
    Socket reserved = new Socket();
    reserved.bind(new InetSocketAddress("127.0.0.1", 0));
    int port = reserved.getLocalPort();
    String policy = "up-again";
    String url = "http://127.0.0.1:" + port + "/up-again/orders";
    String rules =
        Rules.document(
            service(), Rules.breaker(policy, port, "/up-again/**", "120s", Rules.ERROR, false));
    applyRules(rules);
    try {
      assertThat(app.call("huc-connect-failed", "GET", url, Map.of()).error())
          .as("an explicit connect to the port nothing listens on yet: %s", app.log())
          .contains("Connection refused");
      reserved.close();
      try (Downstream target = Downstream.startOn(port)) {
        AppAnswer again = app.call("huc-read-again", "GET", url, Map.of());
        assertThat(again.failed()).as("%s\n%s", again.error(), app.log()).isFalse();
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.body()).isEqualTo("downstream /up-again/orders");
        for (int i = 0; i < 2; i++) {
          assertThat(app.call(client(), "GET", url, Map.of()).status()).isEqualTo(200);
        }
        assertThat(target.requestCount()).as("requests that reached the target").isEqualTo(3);

        // the same document again: the agent keeps the breaker's window and reports it at once
        applyRules(rules);
        awaitBreakerReported(
            service(),
            "the agent reports 1 failure in 4 calls",
            breaker -> {
              assertThat(breaker.policy()).isEqualTo(policy);
              assertThat(breaker.state()).isEqualTo("CLOSED");
              assertThat(breaker.failureRate()).isCloseTo(25.0, within(0.01));
            });
      }
    } finally {
      reserved.close();
      applyRules(Rules.document(service()));
    }
  }

  /**
   * Where the JDK does not send the request again, connecting again starts no call (test app style
   * {@code huc-connect-after-response}: {@code connect()} on a connected connection, after its
   * response was read, and after {@code disconnect()} of a read connection, where the JDK opens a
   * socket and sends nothing on it). Each such call counts once: under a policy opening after 4
   * calls, 4 calls answered 500 reach the target, each sending one request, and the fifth is
   * rejected before it sends anything. A call started by those connects would never end: once the
   * breaker opened on a call's own 500, it was rejected there, after the request had left.
   */
  @Test
  void connectingAgainWhereTheJdkSendsNothingCountsNothingMore() throws Exception {
    String policy = "no-resend";
    String url = downstream.url("/no-resend/orders");
    applyRules(
        Rules.document(
            service(),
            Rules.breaker(policy, downstream.port(), "/no-resend/**", "120s", Rules.ERROR, false)));
    downstream.answer(500);
    try {
      AtomicInteger failed = new AtomicInteger();
      await("the breaker opens after 4 calls answered 500")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(50))
          .until(
              () -> {
                int sent = downstream.requestCount();
                AppAnswer answer = app.call("huc-connect-after-response", "GET", url, Map.of());
                if (answer.failed()) {
                  assertThat(answer.error())
                      .as(app.log())
                      .contains("Sluice circuit breaker '" + policy + "'");
                  assertThat(downstream.requestCount())
                      .as("requests the rejected call sent")
                      .isEqualTo(sent);
                  return true;
                }
                assertThat(answer.status()).isEqualTo(500);
                assertThat(answer.headers()).containsEntry("x-status-after", "500");
                assertThat(downstream.requestCount())
                    .as("requests one call sent")
                    .isEqualTo(sent + 1);
                failed.incrementAndGet();
                return false;
              });
      assertThat(failed).as("calls answered 500, under a policy opening after 4").hasValue(4);
    } finally {
      applyRules(Rules.document(service()));
    }
  }

  /**
   * A streaming request whose {@code getOutputStream} failed (the server refused its {@code Expect:
   * 100-continue} with a 417), connected again ({@code huc-expect-connect-again}): the JDK opens a
   * socket to the server and sends nothing on it. Under a policy failing on 4xx and opening after 4
   * calls, each call counts its 417 once, and a call after the breaker opened is rejected before it
   * sends anything. Where the JDK remembers that failure ({@code rememberedExceptionOut}: 17.0.21,
   * 25), the request can never be sent again and that connect starts no call: the fifth call is the
   * first rejected (a call started there would never end: once the breaker opened on a call's own
   * 417, it was rejected there, after the request had left). Where it does not (17.0.15), a later
   * {@code getOutputStream} would send the request anew, so that connect is a call of its own: the
   * fourth call's, right after its 417 opened the breaker, is rejected.
   */
  @Test
  void aStreamingRequestWhoseSendingFailedStartsNoCallWhenConnectedAgain() throws Exception {
    try (RawDownstream raw = RawDownstream.start()) {
      String policy = "expect-again";
      String url = raw.url(RawDownstream.REFUSE + "again");
      applyRules(
          Rules.document(
              service(),
              Rules.breaker(
                  policy, raw.port(), "/refuse/**", "120s", Rules.ERROR, false, "[\"4xx\"]")));
      boolean remembered = jdkRemembersOutputFailures();
      try {
        AtomicInteger refused = new AtomicInteger();
        await("the breaker opens after 4 refused expectations")
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(50))
            .until(
                () -> {
                  int sent = raw.requestCount();
                  int connections = raw.connections();
                  AppAnswer answer = app.call("huc-expect-connect-again", "POST", url, Map.of());
                  assertThat(answer.failed()).as("%s\n%s", answer, app.log()).isTrue();
                  if (answer.error().contains("Sluice circuit breaker '" + policy + "'")) {
                    assertThat(raw.requestCount())
                        .as("requests the rejected call sent")
                        .isEqualTo(remembered ? sent : sent + 1);
                    return true;
                  }
                  assertThat(answer.error()).contains("rejected");
                  assertThat(raw.requestCount()).as("requests one call sent").isEqualTo(sent + 1);
                  await("the JDK connects again, besides the request's own connection")
                      .atMost(Duration.ofSeconds(10))
                      .until(() -> raw.connections() == connections + 2);
                  refused.incrementAndGet();
                  return false;
                });
        assertThat(refused)
            .as("calls refused, under a policy opening after 4")
            .hasValue(remembered ? 4 : 3);
        int sent = raw.requestCount();
        AppAnswer next = app.call("huc-expect-connect-again", "POST", url, Map.of());
        assertThat(next.error()).contains("Sluice circuit breaker '" + policy + "'");
        assertThat(raw.requestCount())
            .as("requests a call sent once the breaker opened")
            .isEqualTo(sent);
      } finally {
        applyRules(Rules.document(service()));
      }
    }
  }

  /**
   * A streaming request sent in full, disconnected unread and then asked for its status ({@code
   * huc-stream-disconnect-read}): the JDK opens a new socket, sends nothing on it and fails reading
   * a response that never comes. That failure is nothing the target did, and the call was abandoned
   * already: under a policy opening after 4 calls, 5 such calls each send one request and none is
   * rejected. Before, the connect after {@code disconnect()} started a call of its own whose read
   * timeout counted as a failure, and the fifth call was rejected.
   */
  @Test
  void aStreamedRequestReadAfterDisconnectCountsNoFailureOfItsEmptySocket() throws Exception {
    String policy = "stream-read-again";
    String url = downstream.url("/stream-read-again/orders");
    applyRules(
        Rules.document(
            service(),
            Rules.breaker(
                policy, downstream.port(), "/stream-read-again/**", "120s", Rules.ERROR, false)));
    try {
      for (int i = 1; i <= 5; i++) {
        int sent = downstream.requestCount();
        AppAnswer answer = app.call("huc-stream-disconnect-read", "POST", url, Map.of());
        assertThat(answer.error())
            .as("call %d, read on a socket where the JDK sent nothing: %s", i, app.log())
            .contains("Read timed out");
        assertThat(downstream.requestCount()).as("requests call %d sent", i).isEqualTo(sent + 1);
      }
    } finally {
      applyRules(Rules.document(service()));
    }
  }

  /** The app sends a request, then gives up on it with {@code disconnect()} unread. */
  @Test
  void aDisconnectedTrialCallCountsNeitherWay() throws Exception {
    checkCancelledTrialCallCountsNeitherWay("huc-disconnect");
  }

  /** Requests the app disconnects unread never open a closed breaker. */
  @Test
  void disconnectedCallsLeaveAClosedBreakerClosed() throws Exception {
    checkCancelledCallsLeaveAClosedBreakerClosed("huc-disconnect");
  }

  /**
   * A streaming body the server stops reading (it resets the connection after the headers) fails
   * the app's {@code write}; the app gives up on the call without reading a response or
   * disconnecting. That failed send is the call's failure, and such calls open the breaker.
   */
  @Test
  void aStreamedBodyTheServerResetsCountsAsAFailure() throws Exception {
    try (RawDownstream raw = RawDownstream.start()) {
      checkFailedSendsOpenTheBreaker(
          raw, "huc-stream", "/reset-body/orders", "[\"5xx\"]", "Error writing request body");
    }
  }

  /**
   * A streaming request with {@code Expect: 100-continue} whose connection the server resets
   * instead of answering: {@code getOutputStream} fails, the app gives up. A failure.
   */
  @Test
  void anExpectContinueTheServerResetsCountsAsAFailure() throws Exception {
    try (RawDownstream raw = RawDownstream.start()) {
      checkFailedSendsOpenTheBreaker(
          raw, "huc-expect", "/reset-expect/orders", "[\"5xx\"]", "java.net.SocketException");
    }
  }

  /**
   * A server refusing {@code Expect: 100-continue} answers a final status instead ({@code 417}),
   * which {@code getOutputStream} throws as a {@code ProtocolException}: that status is the call's
   * outcome, as the other clients, which return the refusal as the response, count it. A policy
   * failing on 4xx opens.
   */
  @Test
  void aRefusedExpectContinueCountsItsStatus() throws Exception {
    try (RawDownstream raw = RawDownstream.start()) {
      checkFailedSendsOpenTheBreaker(
          raw, "huc-expect", RawDownstream.REFUSE + "orders", "[\"4xx\"]", "rejected");
    }
  }

  /**
   * The refused expectation's status is the outcome, not the {@code ProtocolException} the app
   * sees: under a policy failing on 5xx only, refused calls are successes and never open it.
   */
  @Test
  void aRefusedExpectContinueUnderAPolicyFailingOn5xxNeverOpensIt() throws Exception {
    try (RawDownstream raw = RawDownstream.start()) {
      String policy = "refused-" + client();
      String url = raw.url(RawDownstream.REFUSE + "stock");
      try {
        applyRules(
            Rules.document(
                service(),
                Rules.breaker(
                    policy, raw.port(), "/refuse/**", "120s", Rules.ERROR, false, "[\"5xx\"]")));
        for (int i = 0; i < 8; i++) {
          AppAnswer answer = app.call("huc-expect", "POST", url, Map.of());
          assertThat(answer.error())
              .as("refused call %d: %s", i, app.log())
              .contains("rejected")
              .doesNotContain("Sluice circuit breaker");
        }
        assertThat(raw.requestCount()).as("every refused call reached the server").isEqualTo(8);
      } finally {
        applyRules(Rules.document(service()));
      }
    }
  }

  /**
   * A streamed POST answered with a redirect or a 401 is answered by the JDK with an {@code
   * HttpRetryException} (it cannot send the streamed body again), the connection's status field
   * reset: the status it carries is the outcome, a success under a policy failing on 5xx, as the
   * same call not streamed. Before, every such call was a failure: after four, the breaker opened
   * on a healthy server and rejected the app's calls.
   */
  @Test
  void aStreamedPostAnsweredWithARedirectOrA401CountsItsStatus() throws Exception {
    String policy = "streamed-" + client();
    try {
      applyRules(
          Rules.document(
              service(),
              Rules.breaker(policy, downstream.port(), "/**", "120s", Rules.ERROR, false)));
      int before = downstream.requestCount();
      downstream.answer(401);
      for (int i = 0; i < 6; i++) {
        AppAnswer answer =
            app.call("huc-chunked-post", "POST", downstream.url("/auth/orders"), Map.of());
        assertThat(answer.status()).as("401 call %d: %s %s", i, answer, app.log()).isEqualTo(401);
      }
      downstream.answer(200);
      for (int i = 0; i < 6; i++) {
        AppAnswer answer =
            app.call(
                "huc-chunked-post", "POST", downstream.url(Downstream.MOVED + "orders"), Map.of());
        assertThat(answer.status()).as("302 call %d: %s %s", i, answer, app.log()).isEqualTo(302);
      }
      assertThat(downstream.requestCount() - before)
          .as("every call reached the server")
          .isEqualTo(12);
      assertThat(app.call("huc", "GET", downstream.url("/orders"), Map.of()).status())
          .as("the breaker stayed closed")
          .isEqualTo(200);
    } finally {
      applyRules(Rules.document(service()));
    }
  }

  /**
   * A response the app's {@code java.net.ResponseCache} serves never reaches the target: as a
   * half-open breaker's trial call it counts neither way, and the next call closes the breaker.
   */
  @Test
  void aTrialCallServedFromTheResponseCacheCountsNeitherWay() throws Exception {
    checkTrialCallCountsNeitherWay("cached", "huc-cached", "cached");
  }

  /**
   * A response the app's {@code ResponseCache} serves never reaches the target however long the
   * cache took to find it: six calls whose cache lookup takes 300 ms (test app style {@code
   * huc-slow-cached}), under a policy that opens when half of four calls were slower than 100 ms,
   * leave the breaker closed, and the next call reaches the server. Before, they were abandoned,
   * which counts a call past its slow-call duration as slow, and the fifth was rejected; OkHttp's
   * calls its cache answers are discarded.
   */
  @Test
  void callsTheResponseCacheAnswersCountNeitherWayHoweverLongTheCacheTook() throws Exception {
    String policy = "slow-cached-" + client();
    String url = downstream.url("/slow-cached/" + client());
    applyRules(
        Rules.document(service(), Rules.slowBreaker(policy, downstream.port(), "/slow-cached/**")));
    try {
      int before = downstream.requestCount();
      for (int i = 0; i < 6; i++) {
        AppAnswer answer = app.call("huc-slow-cached", "GET", url, Map.of());
        assertThat(answer.failed()).as("call %d: %s\n%s", i, answer.error(), app.log()).isFalse();
        assertThat(answer.body()).as("call %d", i).isEqualTo("cached");
      }
      assertThat(downstream.requestCount()).as("calls that left the process").isEqualTo(before);
      AppAnswer next = app.call(client(), "GET", url, Map.of());
      assertThat(next.failed()).as("the call after: %s", next.error()).isFalse();
      assertThat(next.status()).isEqualTo(200);
    } finally {
      applyRules(Rules.document(service()));
    }
  }

  /**
   * A fixed-length streaming body the app does not finish never becomes a request the target could
   * answer (the JDK refuses to read a response): the app's failure, not the target's, so it counts
   * neither way.
   */
  @Test
  void aTrialCallWithAnUnfinishedBodyCountsNeitherWay() throws Exception {
    checkTrialCallCountsNeitherWay("unfinished", "huc-unfinished", "unfinished");
  }

  /**
   * A fixed-length streaming body the app does not finish is its own failure however long it took
   * over it: six such requests, each 300 ms in the making, under a policy that opens when half of
   * four calls were slower than 100 ms, leave the breaker closed. Before, they were abandoned,
   * which counts a call past its slow-call duration as slow, and the fifth was rejected.
   */
  @Test
  void unfinishedBodiesCountNeitherWayHoweverLongTheAppTook() throws Exception {
    String policy = "slow-unfinished-" + client();
    String url = downstream.url("/slow-unfinished/" + client());
    applyRules(
        Rules.document(
            service(), Rules.slowBreaker(policy, downstream.port(), "/slow-unfinished/**")));
    try {
      for (int i = 0; i < 6; i++) {
        AppAnswer answer = app.call("huc-slow-unfinished", "POST", url, Map.of());
        assertThat(answer.failed()).as("call %d: %s\n%s", i, answer.error(), app.log()).isFalse();
        assertThat(answer.body()).as("call %d", i).isEqualTo("unfinished");
      }
      AppAnswer next = app.call(client(), "GET", url, Map.of());
      assertThat(next.failed()).as("the call after: %s", next.error()).isFalse();
      assertThat(next.status()).isEqualTo(200);
    } finally {
      applyRules(Rules.document(service()));
    }
  }

  /**
   * A fixed-length body the app overflows is refused by the JDK, which reads no response: the app's
   * mistake, so as a trial call it counts neither way and gives its permission back.
   */
  @Test
  void aTrialCallWhoseBodyOverflowsCountsNeitherWay() throws Exception {
    checkTrialCallCountsNeitherWay("overflow", "huc-overflow", "overflowed");
  }

  /**
   * A call the app's own {@code CookieHandler} fails with an unchecked exception, 300 ms after the
   * response arrived (test app style {@code huc-failing-cookies}), says nothing about the target
   * however long it took: six of them, under a policy that opens when half of four calls were
   * slower than 100 ms, leave the breaker closed, and the next call reaches the server. Before,
   * they were abandoned, which counts a call past its slow-call duration as slow, and the fifth was
   * rejected; the other clients discard such calls.
   */
  @Test
  void requestsTheAppsCookieHandlerFailsCountNeitherWayHoweverLongTheyTook() throws Exception {
    String policy = "slow-appcode-" + client();
    checkAppFailuresLeaveTheBreakerClosed(
        policy,
        Rules.slowBreaker(policy, downstream.port(), "/slow-appcode/**"),
        "huc-failing-cookies",
        "GET",
        downstream.url("/slow-appcode/" + client()),
        "failed by the app's cookie handler",
        error -> error.contains("the app's cookie handler failed"));
  }

  /**
   * As {@link #requestsTheAppsCookieHandlerFailsCountNeitherWayHoweverLongTheyTook}, with the app's
   * own {@code ProxySelector} failing the call as it connects, 300 ms after it was asked (test app
   * style {@code huc-failing-proxy-selector}): nothing reaches the target, and the next call does.
   */
  @Test
  void requestsTheAppsProxySelectorFailsCountNeitherWayHoweverLongTheyTook() throws Exception {
    String policy = "slow-proxy-" + client();
    checkAppFailuresLeaveTheBreakerClosed(
        policy,
        Rules.slowBreaker(policy, downstream.port(), "/slow-proxy/**"),
        "huc-failing-proxy-selector",
        "GET",
        downstream.url("/slow-proxy/" + client()),
        "failed by the app's proxy selector",
        error -> error.contains("the app's proxy selector failed"));
  }

  /**
   * As above, the app's {@code ProxySelector} refusing with an {@code IllegalArgumentException},
   * which the JDK hands on wrapped in an {@code IOException} ("Failed to select a proxy"): still
   * the app's (test app style {@code huc-proxy-selector-refuses-uri}).
   */
  @Test
  void requestsTheAppsProxySelectorRefusesAsAnIoErrorCountNeitherWay() throws Exception {
    String policy = "refusing-proxy-" + client();
    checkAppFailuresLeaveTheBreakerClosed(
        policy,
        Rules.slowBreaker(policy, downstream.port(), "/refusing-proxy/**"),
        "huc-proxy-selector-refuses-uri",
        "GET",
        downstream.url("/refusing-proxy/" + client()),
        "refused by the app's proxy selector",
        error -> error.contains("Failed to select a proxy"));
  }

  /**
   * Requests the JDK refuses for the app's own misuse of a connection it connected explicitly, with
   * a {@code ProtocolException} thrown before any byte leaves, say nothing about the target: six of
   * them leave a closed breaker closed, with no failure in its window, and the next call reaches
   * the server. Counted as the target's failures (they are I/O errors), they opened a healthy
   * target's breaker. Output on a {@code TRACE} request ({@code huc-trace-output}).
   */
  @Test
  void outputOnTraceRequestsTheJdkRefusesCountsNeitherWay() throws Exception {
    checkMisusesLeaveTheBreakerClosed(
        "huc-trace-output", "TRACE", "HTTP method TRACE doesn't support output");
  }

  /**
   * As {@link #outputOnTraceRequestsTheJdkRefusesCountsNeitherWay}, a streaming request without
   * {@code setDoOutput(true)} asked for its status ({@code huc-streaming-without-output}).
   */
  @Test
  void streamingRequestsWithoutOutputCountNeitherWay() throws Exception {
    checkMisusesLeaveTheBreakerClosed(
        "huc-streaming-without-output",
        "POST",
        "cannot write to a URLConnection if doOutput=false");
  }

  /**
   * As {@link #outputOnTraceRequestsTheJdkRefusesCountsNeitherWay}, a request with {@code
   * setDoInput(false)} asked for its status ({@code huc-without-input}).
   */
  @Test
  void requestsWithoutInputCountNeitherWay() throws Exception {
    checkMisusesLeaveTheBreakerClosed(
        "huc-without-input", "GET", "Cannot read from URLConnection if doInput=false");
  }

  private void checkMisusesLeaveTheBreakerClosed(String style, String method, String jdkRefusal)
      throws Exception {
    String policy = "misuse-" + client();
    checkAppFailuresLeaveTheBreakerClosed(
        policy,
        Rules.breaker(policy, downstream.port(), "/misuse/**", "120s", Rules.ERROR, false),
        style,
        method,
        downstream.url("/misuse/" + client()),
        "refused by the JDK for the app's misuse",
        error -> error.contains(jdkRefusal));
  }

  /**
   * Whether this JDK, the test app's too ({@code java.home}), remembers a failure of an {@code
   * HttpURLConnection}'s {@code getOutputStream} to rethrow it ({@code rememberedExceptionOut}),
   * rather than send the request anew when asked again. Reading the field's declaration needs no
   * access to {@code java.base}'s internals.
   */
  private static boolean jdkRemembersOutputFailures() throws ClassNotFoundException {
    return java.util.Arrays.stream(
            Class.forName("sun.net.www.protocol.http.HttpURLConnection").getDeclaredFields())
        .anyMatch(field -> field.getName().equals("rememberedExceptionOut"));
  }
}
