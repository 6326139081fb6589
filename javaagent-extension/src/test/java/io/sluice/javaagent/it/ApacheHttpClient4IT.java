package io.sluice.javaagent.it;

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
}
