package io.sluice.javaagent.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The client suite against the JDK's {@code java.net.http.HttpClient#send}. */
class JdkHttpClientIT extends AbstractHttpClientIT {

  @Override
  String client() {
    return "jdk";
  }

  @Override
  String rejectionErrorType() {
    return "java.net.ConnectException";
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
      String url = h2c.url("/h2-short/" + client());
      applyRules(
          Rules.document(
              service(),
              Rules.breaker(policy, h2c.port(), "/h2-short/**", "120s", Rules.ERROR, false)));
      try {
        for (int i = 0; i < 6; i++) {
          AppAnswer answer = app.call("jdk-h2-short-body", "POST", url, Map.of());
          assertThat(answer.error())
              .as("call %d with a short body over HTTP/2\n%s", i, app.log())
              .contains("Too few bytes returned by the publisher")
              .contains("stream=") // the HTTP/2 stream's subscriber, not HTTP/1.1's
              .doesNotContain("Sluice circuit breaker");
        }

        AppAnswer next = app.call(client(), "GET", url, Map.of());
        assertThat(next.failed()).as("the call after: %s", next.error()).isFalse();
        assertThat(next.status()).isEqualTo(200);
        awaitClosedWithoutFailures(policy);
      } finally {
        applyRules(Rules.document(service()));
      }
    }
  }
}
