package io.sluice.javaagent.it;

import static org.assertj.core.api.Assertions.assertThat;

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
    checkRejectionFailsInResponseMode(policy, url, reached);
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
    checkConnectionsTheServerClosesOpenTheBreaker();
  }

  /**
   * Requests whose body the app's own publisher fails say nothing about the server: six of them
   * leave a closed breaker closed, with no failure in its window, and the next call reaches the
   * server. Counted as failures (as every error signal once was), they opened the breaker and that
   * call was rejected. The test app's style {@code client() + "-failing-body"} sends such a
   * request.
   */
  @Test
  void requestsWhoseBodyTheAppFailsLeaveTheBreakerClosed() throws Exception {
    String policy = "appfail-" + client();
    String url = downstream.url("/appfail/" + client());
    applyRules(
        Rules.document(
            service(),
            Rules.breaker(policy, downstream.port(), "/appfail/**", "120s", Rules.ERROR, false)));

    for (int i = 0; i < 6; i++) {
      AppAnswer answer = app.call(client() + "-failing-body", "POST", url, Map.of());
      assertThat(answer.failed()).as("call %d with a failing body", i).isTrue();
      assertThat(answer.error())
          .as("call %d with a failing body", i)
          .contains("the app's request body failed")
          .doesNotContain("Sluice circuit breaker");
    }

    AppAnswer next = app.call(client(), "GET", url, Map.of());
    assertThat(next.failed()).as("the call after the failed bodies: %s", next.error()).isFalse();
    assertThat(next.status()).isEqualTo(200);
    awaitClosedWithoutFailures(policy);
  }
}
