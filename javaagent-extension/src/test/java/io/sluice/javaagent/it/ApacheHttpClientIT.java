package io.sluice.javaagent.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The client suite against Apache HttpClient 5 classic. */
class ApacheHttpClientIT extends AbstractHttpClientIT {

  @Override
  String client() {
    return "apache";
  }

  @Override
  String rejectionErrorType() {
    return "java.io.IOException";
  }

  /** The app cancels a request the client is sending ({@code HttpUriRequestBase#cancel}). */
  @Test
  void aCancelledTrialCallCountsNeitherWay() throws Exception {
    checkCancelledTrialCallCountsNeitherWay("apache-cancel");
  }

  /** What {@code HttpClients.createMinimal()} builds ({@code MinimalHttpClient}) is guarded too. */
  @Test
  void theMinimalClientIsGuarded() throws Exception {
    checkAnotherClientStyleIsGuarded("apache-minimal");
  }

  /** An entity the app's own code fails to write ({@code IOException}) counts neither way. */
  @Test
  void requestsWhoseBodyTheAppFailsLeaveTheBreakerClosed() throws Exception {
    checkRequestsWhoseBodyTheAppFailsLeaveTheBreakerClosed("apache-failing-body");
  }

  /**
   * A large entity the server resets while the app's code writes it fails the writes to the
   * client's content stream: the target's failure, which opens the breaker, though it leaves the
   * app's callback.
   */
  @Test
  void aBodyTheServerResetsWhileTheAppWritesItCountsAsAFailure() throws Exception {
    try (RawDownstream raw = RawDownstream.start()) {
      checkFailedSendsOpenTheBreaker(
          raw,
          "apache-streaming-body",
          "/reset-body/orders",
          "[\"5xx\"]",
          "java.net.SocketException");
    }
  }

  /** A wait for the pool's connection ({@code LeaseRequest#get}) is no slowness. */
  @Test
  void aWaitForTheAppsOwnPoolIsNotTheTargetsSlowness() throws Exception {
    checkAWaitForTheAppsOwnPoolIsNotTheTargetsSlowness("apache-pool-wait");
  }

  /**
   * A call waiting for the pool on a thread the app interrupted counts neither way: HttpClient 5
   * cancels the lease and throws its {@code CancellationException}.
   */
  @Test
  void callsTheAppInterruptsLeaveTheBreakerClosed() throws Exception {
    checkCallsTheAppInterruptsLeaveTheBreakerClosed(
        "apache-interrupted", error -> error.contains("CancellationException"));
  }

  /** The pool's {@code ConnectionRequestTimeoutException} counts neither way. */
  @Test
  void requestsTheAppsExhaustedPoolRefusesLeaveTheBreakerClosed() throws Exception {
    checkRequestsTheAppsExhaustedPoolRefusesLeaveTheBreakerClosed(
        "apache-pool-exhausted", "ConnectionRequestTimeoutException");
  }

  /** A request interceptor of the app's that throws an unchecked exception. */
  @Test
  void requestsTheAppsInterceptorFailsLeaveTheBreakerClosed() throws Exception {
    checkRequestsTheAppsInterceptorFailsLeaveTheBreakerClosed("apache-failing-interceptor");
  }

  /**
   * A request interceptor of the app's that fails with an {@code IOException} (a signing
   * interceptor whose key store is away): the client throws it as it is, as it throws the target's
   * I/O failures, and counted as the target's it opened a healthy target's breaker.
   */
  @Test
  void requestsTheAppsInterceptorFailsWithAnIoExceptionLeaveTheBreakerClosed() throws Exception {
    checkRequestsTheAppsOwnCodeFailsLeaveTheBreakerClosed(
        "apache-failing-io-interceptor", "java.io.IOException: the app's request signing failed");
  }

  /**
   * A response interceptor of the app's that refuses every response with the client's {@code
   * ProtocolException}, which the client wraps in its {@code ClientProtocolException} (an {@code
   * IOException}): the calls are judged by the server's 500s.
   */
  @Test
  void responsesTheAppsInterceptorRefusesAreJudgedByTheirStatus() throws Exception {
    checkResponsesTheAppRefusesAreJudgedByTheirStatus("apache-failing-response-interceptor");
  }

  /** The same response interceptor refusing the server's 200s: the breaker stays closed. */
  @Test
  void responsesTheAppsInterceptorRefusesLeaveTheBreakerClosed() throws Exception {
    checkRequestsTheAppsOwnCodeFailsLeaveTheBreakerClosed(
        "apache-failing-response-interceptor", "the app's response check failed");
  }

  /**
   * A request made from an absolute URL that is no {@code java.net.URI} ({@code new
   * BasicClassicHttpRequest("GET", "http://…/rawline/apache/{raw}")}: HttpClient keeps the whole
   * string as its path and sends it as it is) is guarded by its path like any other: an open
   * breaker on {@code /rawline/**} rejects it. Before, the whole string was taken for the path,
   * which no {@code /…} glob matches, and the call passed the open breaker.
   */
  @Test
  void anAbsoluteUrlThatIsNoUriIsGuardedByItsPath() throws Exception {
    String policy = "rawline-" + client();
    String url = downstream.url("/rawline/" + client());
    applyRules(
        Rules.document(
            service(),
            Rules.breaker(policy, downstream.port(), "/rawline/**", "120s", Rules.ERROR, false)));
    try {
      downstream.answer(500);
      callUntilRejected(client(), url, "the breaker on /rawline/** opens");
      int reached = downstream.requestCount();
      AppAnswer raw = app.call("apache-raw-request-line", "GET", url, Map.of());
      assertThat(raw.error())
          .as("%s\n%s", raw, app.log())
          .startsWith("java.io.IOException")
          .contains("Sluice circuit breaker '" + policy + "'");
      assertThat(downstream.requestCount())
          .as("a rejected call stays in the process")
          .isEqualTo(reached);
    } finally {
      applyRules(Rules.document(service()));
    }
  }
}
