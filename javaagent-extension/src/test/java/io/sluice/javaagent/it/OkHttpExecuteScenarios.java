package io.sluice.javaagent.it;

import org.junit.jupiter.api.Test;

/**
 * The scenarios of OkHttp's {@code Call#execute} (the {@code okhttp} style), where the app's own
 * request body, cache and interceptors can be told apart from the writes to the target: written
 * once for OkHttp 4 ({@link OkHttpHttpClientIT}) and the other releases ({@link
 * OkHttpExecuteReleaseSuite}). A client suite implements it to run them as its own tests, in its
 * own app JVM: no class and no JVM more.
 */
interface OkHttpExecuteScenarios {

  /** The client suite the scenarios run in: the test class itself. */
  AbstractHttpClientIT suite();

  /**
   * A {@code RequestBody#writeTo} of the app's own that fails with an {@code IOException} of its
   * own counts neither way.
   */
  @Test
  default void requestsWhoseBodyTheAppFailsLeaveTheBreakerClosed() throws Exception {
    suite().checkRequestsWhoseBodyTheAppFailsLeaveTheBreakerClosed("okhttp-failing-body");
  }

  /**
   * A {@code RequestBody} that writes fewer or more bytes than its {@code contentLength} fails the
   * request with OkHttp's {@code ProtocolException} ({@code unexpected end of stream}, {@code
   * expected 2 bytes but received 14}): the app's mistake, which counts neither way.
   */
  @Test
  default void requestsWhoseBodyBreaksItsLengthLeaveTheBreakerClosed() throws Exception {
    suite()
        .checkRequestsWhoseBodyBreaksItsLengthLeaveTheBreakerClosed(
            "java.net.ProtocolException: unexpected end of stream",
            "java.net.ProtocolException: expected 2 bytes but received 14");
  }

  /**
   * A large body the server resets while the app's {@code writeTo} sends it fails the writes to
   * OkHttp's sink: the target's failure, which opens the breaker, though it leaves the app's
   * writer.
   */
  @Test
  default void aBodyTheServerResetsWhileTheAppWritesItCountsAsAFailure() throws Exception {
    try (RawDownstream raw = RawDownstream.start()) {
      suite()
          .checkFailedSendsOpenTheBreaker(
              raw,
              "okhttp-streaming-body",
              "/reset-body/orders",
              "[\"5xx\"]",
              "java.net.SocketException");
    }
  }

  /**
   * A call made on a thread the app interrupted ({@code Future.cancel(true)}) counts neither way:
   * okio refuses its first write ({@code InterruptedIOException}), or the socket its connect;
   * OkHttp 5 throws {@code InterruptedException}.
   */
  @Test
  default void callsTheAppInterruptsLeaveTheBreakerClosed() throws Exception {
    suite()
        .checkCallsTheAppInterruptsLeaveTheBreakerClosed(
            "okhttp-interrupted",
            error ->
                error.containsAnyOf(
                    "InterruptedIOException", "Closed by interrupt", "InterruptedException"));
  }

  /** OkHttp's {@code 504} to an {@code only-if-cached} request its cache cannot answer. */
  @Test
  default void cacheOnlyRequestsTheCacheCannotAnswerLeaveTheBreakerClosed() throws Exception {
    suite().checkCacheOnlyRequestsTheCacheCannotAnswerLeaveTheBreakerClosed("okhttp-cache-only");
  }

  /** A response the app's {@code OkHttpClient#cache} holds. */
  @Test
  default void aTrialCallTheAppsCacheAnswersCountsNeitherWay() throws Exception {
    suite().checkTrialCallTheAppsCacheAnswersCountsNeitherWay("okhttp-cached");
  }

  /** A network interceptor of the app's that throws an unchecked exception. */
  @Test
  default void requestsTheAppsInterceptorFailsLeaveTheBreakerClosed() throws Exception {
    suite().checkRequestsTheAppsInterceptorFailsLeaveTheBreakerClosed("okhttp-failing-interceptor");
  }

  /**
   * An {@code Authenticator} of the app's that fails with an {@code IOException} when the target
   * asks for credentials (a 401): the app's token refresh failed, not the target. Counted, those
   * calls opened the breaker of a target that only answered 401.
   */
  @Test
  default void requestsTheAppsAuthenticatorFailsLeaveTheBreakerClosed() throws Exception {
    suite().checkRequestsTheAppsAuthenticatorFailsLeaveTheBreakerClosed();
  }

  /**
   * A synthetic response whose policy sets {@code Content-Type} has a body of that media type
   * ({@code ResponseBody#contentType}), as OkHttp's own responses do: before, it had none.
   */
  @Test
  default void aSyntheticResponsesBodyHasThePolicysContentType() throws Exception {
    suite().checkSyntheticBodyHasThePolicysContentType("okhttp-body-type");
  }
}
