package io.sluice.javaagent.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The client suite against Apache HttpClient 4.x classic ({@code org.apache.http}). */
class ApacheHttpClient4IT extends AbstractHttpClientIT {

  @Override
  String client() {
    return "apache4";
  }

  @Override
  String rejectionErrorType() {
    return "java.io.IOException";
  }

  /** The app aborts a request the client is sending ({@code HttpRequestBase#abort}). */
  @Test
  void anAbortedTrialCallCountsNeitherWay() throws Exception {
    checkCancelledTrialCallCountsNeitherWay("apache4-cancel");
  }

  /** The deprecated {@code DefaultHttpClient} ({@code AbstractHttpClient}) is guarded too. */
  @Test
  void theDeprecatedDefaultHttpClientIsGuarded() throws Exception {
    checkAnotherClientStyleIsGuarded("apache4-legacy");
  }

  /** So is what {@code HttpClients.createMinimal()} builds ({@code MinimalHttpClient}). */
  @Test
  void theMinimalClientIsGuarded() throws Exception {
    checkAnotherClientStyleIsGuarded("apache4-minimal");
  }

  /** A wait for the pool's connection ({@code ConnectionRequest#get}) is no slowness. */
  @Test
  void aWaitForTheAppsOwnPoolIsNotTheTargetsSlowness() throws Exception {
    checkAWaitForTheAppsOwnPoolIsNotTheTargetsSlowness("apache4-pool-wait");
  }

  /**
   * Nor is one for the deprecated pool of the deprecated {@code DefaultHttpClient} family ({@code
   * ClientConnectionRequest#getConnection}).
   */
  @Test
  void aWaitForTheDeprecatedPoolIsNotTheTargetsSlowness() throws Exception {
    checkAWaitForTheAppsOwnPoolIsNotTheTargetsSlowness("apache4-legacy-pool-wait");
  }

  /** A call waiting for the pool on a thread the app interrupted counts neither way. */
  @Test
  void callsTheAppInterruptsLeaveTheBreakerClosed() throws Exception {
    checkCallsTheAppInterruptsLeaveTheBreakerClosed(
        "apache4-interrupted", error -> error.contains("RequestAbortedException"));
  }

  /** The pool's {@code ConnectionPoolTimeoutException} counts neither way. */
  @Test
  void requestsTheAppsExhaustedPoolRefusesLeaveTheBreakerClosed() throws Exception {
    checkRequestsTheAppsExhaustedPoolRefusesLeaveTheBreakerClosed(
        "apache4-pool-exhausted", "ConnectionPoolTimeoutException");
  }

  /** An entity the app's own code fails to write ({@code IOException}) counts neither way. */
  @Test
  void requestsWhoseBodyTheAppFailsLeaveTheBreakerClosed() throws Exception {
    checkRequestsWhoseBodyTheAppFailsLeaveTheBreakerClosed("apache4-failing-body");
  }

  /**
   * A large entity the server resets while the app's code writes it fails the writes to the
   * client's content stream: the target's failure, which opens the breaker, though it leaves the
   * app's content producer.
   */
  @Test
  void aBodyTheServerResetsWhileTheAppWritesItCountsAsAFailure() throws Exception {
    try (RawDownstream raw = RawDownstream.start()) {
      checkFailedSendsOpenTheBreaker(
          raw,
          "apache4-streaming-body",
          "/reset-body/orders",
          "[\"5xx\"]",
          "java.net.SocketException");
    }
  }

  /** A request interceptor of the app's that throws an unchecked exception. */
  @Test
  void requestsTheAppsInterceptorFailsLeaveTheBreakerClosed() throws Exception {
    checkRequestsTheAppsInterceptorFailsLeaveTheBreakerClosed("apache4-failing-interceptor");
  }

  /**
   * A request interceptor of the app's that fails with an {@code IOException} (a signing
   * interceptor whose key store is away): the client throws it as it is, as it throws the target's
   * I/O failures, and counted as the target's it opened a healthy target's breaker.
   */
  @Test
  void requestsTheAppsInterceptorFailsWithAnIoExceptionLeaveTheBreakerClosed() throws Exception {
    checkRequestsTheAppsOwnCodeFailsLeaveTheBreakerClosed(
        "apache4-failing-io-interceptor", "java.io.IOException: the app's request signing failed");
  }

  /**
   * A response interceptor of the app's that refuses every response with the client's {@code
   * ProtocolException}, which the client wraps in its {@code ClientProtocolException} (without a
   * message; an {@code IOException}): the calls are judged by the server's 500s.
   */
  @Test
  void responsesTheAppsInterceptorRefusesAreJudgedByTheirStatus() throws Exception {
    checkResponsesTheAppRefusesAreJudgedByTheirStatus("apache4-failing-response-interceptor");
  }

  /** The same response interceptor refusing the server's 200s: the breaker stays closed. */
  @Test
  void responsesTheAppsInterceptorRefusesLeaveTheBreakerClosed() throws Exception {
    checkRequestsTheAppsOwnCodeFailsLeaveTheBreakerClosed(
        "apache4-failing-response-interceptor", "org.apache.http.client.ClientProtocolException");
  }

  /**
   * A request whose request line is no {@code java.net.URI} (a {@code BasicHttpRequest} with braces
   * in its path, which HttpClient sends as it is) is guarded by its path like any other: an open
   * breaker rejects it. Before, reading its URI failed and the call passed the open breaker.
   */
  @Test
  void aRequestLineThatIsNoUriIsGuardedToo() throws Exception {
    String policy = "rawline-" + client();
    String url = downstream.url("/rawline/" + client());
    applyRules(
        Rules.document(
            service(),
            Rules.breaker(policy, downstream.port(), "/rawline/**", "120s", Rules.ERROR, false)));
    try {
      downstream.answer(500);
      callUntilRejected(client(), url, "the breaker on /rawline/** opens");
      AppAnswer raw = app.call("apache4-raw-request-line", "GET", url, Map.of());
      assertThat(raw.error())
          .as("%s\n%s", raw, app.log())
          .startsWith("java.io.IOException")
          .contains("Sluice circuit breaker '" + policy + "'");
    } finally {
      applyRules(Rules.document(service()));
    }
  }
}
