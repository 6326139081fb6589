package io.sluice.javaagent.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.testing.otlp.OtlpReceiver;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The client suite against Reactor Netty's {@code HttpClient} ({@code request(...).uri(...)
 * .responseSingle(...)}, what Spring's {@code WebClient} runs on by default). The test app's style
 * {@code client() + "-cancel"} disposes its subscription once the request is on the wire.
 */
class ReactorNettyHttpClientIT extends AbstractHttpClientIT {

  @Override
  String client() {
    return "reactor";
  }

  @Override
  String rejectionErrorType() {
    return "java.net.ConnectException";
  }

  /**
   * No synthetic response for Reactor Netty (see the README): in mode {@code response} the rejected
   * call fails as in mode {@code error}, still in the process, with an error CLIENT span and the
   * rejection event.
   */
  @Override
  void checkRejectionInResponseMode(String policy, String url, int reached) throws Exception {
    String traceId = randomHex(16);
    AppAnswer rejected = callInTrace(url, traceId);
    assertThat(rejected.error())
        .startsWith(rejectionErrorType())
        .contains("Sluice circuit breaker '" + policy + "'")
        .contains("OPEN");
    assertThat(downstream.requestCount()).isEqualTo(reached);
    await("the rejected call's error CLIENT span is exported")
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(otlp.spans(traceId))
                    .anySatisfy(
                        span -> {
                          assertThat(span.kind()).isEqualTo(OtlpReceiver.ReceivedSpan.KIND_CLIENT);
                          assertThat(span.statusCode())
                              .isEqualTo(OtlpReceiver.ReceivedSpan.STATUS_ERROR);
                          assertThat(span.events()).contains("sluice.breaker.rejected");
                          assertThat(span.attributes())
                              .doesNotContainKey("http.response.status_code");
                        }));
  }

  /** The app disposes its subscription once the request is on the wire. */
  @Test
  void aCancelledTrialCallCountsNeitherWay() throws Exception {
    checkCancelledTrialCallCountsNeitherWay(client() + "-cancel");
  }

  /** The app disposes its subscriptions, as it gives up on a slow server. */
  @Test
  void cancelledCallsLeaveAClosedBreakerClosed() throws Exception {
    checkCancelledCallsLeaveAClosedBreakerClosed(client() + "-cancel");
  }

  /**
   * A connection the server closes before it answers is the target's failure and opens the breaker,
   * unlike a subscription the app disposes itself.
   */
  @Test
  void aConnectionTheServerClosesWithoutAnsweringCountsAsAFailure() {
    String policy = "dropped-" + client();
    String url = downstream.url(Downstream.DROP + client());
    applyRules(
        Rules.document(
            service(),
            Rules.breaker(policy, downstream.port(), "/drop/**", "120s", Rules.ERROR, false)));
    int before = downstream.requestCount();

    await("the breaker on /drop/** opens on connections the server closes")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              AppAnswer answer = app.call(client(), "GET", url, Map.of());
              assertThat(answer.failed())
                  .as("a call whose connection the server closed: %s", app.log())
                  .isTrue();
              return answer.error().contains("Sluice circuit breaker '" + policy + "'");
            });
    assertThat(downstream.requestCount() - before)
        .as("calls the server dropped before the breaker opened")
        .isGreaterThanOrEqualTo(4);
  }
}
