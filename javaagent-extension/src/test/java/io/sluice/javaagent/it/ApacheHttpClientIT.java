package io.sluice.javaagent.it;

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

  /** A request interceptor of the app's that throws an unchecked exception. */
  @Test
  void requestsTheAppsInterceptorFailsLeaveTheBreakerClosed() throws Exception {
    checkRequestsTheAppsInterceptorFailsLeaveTheBreakerClosed("apache-failing-interceptor");
  }
}
