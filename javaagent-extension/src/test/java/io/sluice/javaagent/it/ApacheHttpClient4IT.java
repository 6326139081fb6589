package io.sluice.javaagent.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
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

  /**
   * The deprecated {@code DefaultHttpClient} ({@code AbstractHttpClient}) is guarded like the
   * builder's clients: its failures open the breaker, rejected calls never reach the server, and
   * mode {@code response} answers its response handler with the synthetic response.
   */
  @Test
  void theDeprecatedDefaultHttpClientIsGuarded() throws Exception {
    String legacy = "apache4-legacy";
    String policy = "legacy-" + client();
    String url = downstream.url("/legacy/orders");
    try {
      applyRules(
          Rules.document(
              service(),
              Rules.breaker(policy, downstream.port(), "/legacy/**", "120s", Rules.ERROR, false)));
      assertThat(app.call(legacy, "GET", url, Map.of()).status())
          .as("a call through the closed breaker")
          .isEqualTo(200);
      downstream.answer(500);

      AppAnswer rejected =
          callUntilRejected(legacy, url, "the breaker opens on the legacy client's failures");
      assertThat(downstream.requestCount()).as("calls that reached the server").isGreaterThan(4);
      assertThat(rejected.error())
          .startsWith("java.io.IOException")
          .contains("Sluice circuit breaker '" + policy + "'");
      int reached = downstream.requestCount();
      assertThat(app.call(legacy, "GET", url, Map.of()).error())
          .contains("Sluice circuit breaker '" + policy + "'");

      applyRules(
          Rules.document(
              service(),
              Rules.breaker(
                  policy, downstream.port(), "/legacy/**", "120s", Rules.RESPONSE, false)));
      AppAnswer synthetic = app.call(legacy, "GET", url, Map.of());
      assertThat(synthetic.failed()).as("synthetic response: %s", synthetic.error()).isFalse();
      assertThat(synthetic.status()).isEqualTo(503);
      assertThat(synthetic.body()).isEqualTo("fallback");
      assertThat(downstream.requestCount()).as("no rejected call left").isEqualTo(reached);
    } finally {
      applyRules(Rules.document(service()));
    }
  }
}
