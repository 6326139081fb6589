package io.sluice.javaagent.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.testing.otlp.OtlpReceiver;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The client suite against the JDK's {@code java.net.HttpURLConnection} ({@code getResponseCode},
 * then headers and the body or error stream).
 */
class HttpUrlConnectionIT extends AbstractHttpClientIT {

  @Override
  String client() {
    return "huc";
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
    String traceId = randomHex(16);
    AppAnswer rejected = callInTrace(url, traceId);
    assertThat(rejected.error())
        .startsWith("java.net.ConnectException")
        .contains("Sluice circuit breaker '" + policy + "'")
        .contains("OPEN");
    assertThat(downstream.requestCount()).isEqualTo(reached);
    await("the rejected call's error CLIENT span is exported")
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              assertThat(otlp.spans(traceId))
                  .anySatisfy(
                      span -> assertThat(span.events()).contains("sluice.breaker.rejected"));
              assertThat(otlp.spans(traceId))
                  .anySatisfy(
                      span -> {
                        assertThat(span.kind()).isEqualTo(OtlpReceiver.ReceivedSpan.KIND_CLIENT);
                        assertThat(span.statusCode())
                            .isEqualTo(OtlpReceiver.ReceivedSpan.STATUS_ERROR);
                      });
            });
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
}
