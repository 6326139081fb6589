package io.sluice.javaagent.it;

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
}
