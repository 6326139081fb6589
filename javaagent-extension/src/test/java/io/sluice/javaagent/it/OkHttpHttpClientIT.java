package io.sluice.javaagent.it;

import org.junit.jupiter.api.Test;

/** The client suite against OkHttp 4's {@code Call#execute}. */
class OkHttpHttpClientIT extends AbstractHttpClientIT {

  @Override
  String client() {
    return "okhttp";
  }

  @Override
  String rejectionErrorType() {
    return "java.io.IOException";
  }

  /** OkHttp's {@code callTimeout} runs from {@code execute}, before the app's interceptors. */
  @Test
  void callTimeoutsOpenTheBreaker() {
    checkCallTimeoutsOpenTheBreaker("okhttp-late-timeout");
  }

  /**
   * A {@code RequestBody#writeTo} of the app's own that fails with an {@code IOException} of its
   * own counts neither way.
   */
  @Test
  void requestsWhoseBodyTheAppFailsLeaveTheBreakerClosed() throws Exception {
    checkRequestsWhoseBodyTheAppFailsLeaveTheBreakerClosed("okhttp-failing-body");
  }

  /**
   * A {@code RequestBody} that writes fewer or more bytes than its {@code contentLength} fails the
   * request with OkHttp's {@code ProtocolException} ({@code unexpected end of stream}, {@code
   * expected 2 bytes but received 14}): the app's mistake, which counts neither way.
   */
  @Test
  void requestsWhoseBodyBreaksItsLengthLeaveTheBreakerClosed() throws Exception {
    checkRequestsWhoseBodyBreaksItsLengthLeaveTheBreakerClosed(
        "java.net.ProtocolException: unexpected end of stream",
        "java.net.ProtocolException: expected 2 bytes but received 14");
  }

  /**
   * A large body the server resets while the app's {@code writeTo} sends it fails the writes to
   * OkHttp's sink: the target's failure, which opens the breaker, though it leaves the app's
   * writer.
   */
  @Test
  void aBodyTheServerResetsWhileTheAppWritesItCountsAsAFailure() throws Exception {
    try (RawDownstream raw = RawDownstream.start()) {
      checkFailedSendsOpenTheBreaker(
          raw,
          "okhttp-streaming-body",
          "/reset-body/orders",
          "[\"5xx\"]",
          "java.net.SocketException");
    }
  }

  /** OkHttp's {@code 504} to an {@code only-if-cached} request its cache cannot answer. */
  @Test
  void cacheOnlyRequestsTheCacheCannotAnswerLeaveTheBreakerClosed() throws Exception {
    checkCacheOnlyRequestsTheCacheCannotAnswerLeaveTheBreakerClosed("okhttp-cache-only");
  }

  /** A response the app's {@code OkHttpClient#cache} holds. */
  @Test
  void aTrialCallTheAppsCacheAnswersCountsNeitherWay() throws Exception {
    checkTrialCallTheAppsCacheAnswersCountsNeitherWay("okhttp-cached");
  }

  /** A network interceptor of the app's that throws an unchecked exception. */
  @Test
  void requestsTheAppsInterceptorFailsLeaveTheBreakerClosed() throws Exception {
    checkRequestsTheAppsInterceptorFailsLeaveTheBreakerClosed("okhttp-failing-interceptor");
  }
}
