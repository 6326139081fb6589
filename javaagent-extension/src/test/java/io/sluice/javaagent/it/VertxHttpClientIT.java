package io.sluice.javaagent.it;

import org.junit.jupiter.api.Test;

/**
 * The Vert.x suite on the module's Vert.x 5.1 (jetcd's), whose client keeps its default host and
 * port in fields of its own.
 */
class VertxHttpClientIT extends VertxHttpClientSuite {

  /**
   * Requests Vert.x refuses for the app's own reasons before they leave the process say nothing
   * about the target: six requests for HTTP/3 from a client built without it (Vert.x 5.1 fails them
   * at once with {@code Handle me}) leave a closed breaker closed with no failure in its window, as
   * requests the app's own pool refuses do. Counted as failures, the fifth call would be rejected.
   */
  @Test
  void requestsVertxRefusesForTheAppsOwnReasonsCountNeitherWay() throws Exception {
    String policy = "refusedbyvertx-" + client();
    checkAppFailuresLeaveTheBreakerClosed(
        policy,
        Rules.breaker(policy, downstream.port(), "/refusedbyvertx/**", "120s", Rules.ERROR, false),
        "vertx-http3",
        "GET",
        downstream.url("/refusedbyvertx/" + client()),
        "for HTTP/3",
        error -> error.contains("Handle me"));
  }

  /** The app cancels a request on the wire ({@code HttpClientRequest#cancel}, Vert.x 5.1). */
  @Test
  void aTrialCallTheAppCancelsCountsNeitherWay() throws Exception {
    checkCancelledTrialCallCountsNeitherWay("vertx-cancel");
  }
}
