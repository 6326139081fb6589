package io.sluice.javaagent.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The client suite against Vert.x 5's {@code HttpClient#request}. */
class VertxHttpClientIT extends AbstractHttpClientIT {

  @Override
  String client() {
    return "vertx";
  }

  @Override
  String rejectionErrorType() {
    return "java.net.ConnectException";
  }

  /**
   * A request naming neither host nor port goes to the client's defaults ({@code
   * HttpClientOptions#setDefaultHost}/{@code setDefaultPort}): the breakers guard that target.
   */
  @Test
  void aRequestToTheClientsDefaultHostAndPortIsGuarded() throws Exception {
    String policy = "defaults-" + client();
    String url = downstream.url("/defaults/orders");
    applyRules(
        Rules.document(
            service(),
            Rules.breaker(policy, downstream.port(), "/defaults/**", "120s", Rules.ERROR, false)));
    downstream.answer(500);

    AppAnswer rejected =
        callUntilRejected(
            "vertx-defaults", url, "the breaker on the client's default target opens");
    assertThat(rejected.error())
        .startsWith(rejectionErrorType())
        .contains("Sluice circuit breaker '" + policy + "'");
    int reached = downstream.requestCount();
    assertThat(app.call("vertx-defaults", "GET", url, Map.of()).failed()).isTrue();
    assertThat(downstream.requestCount())
        .as("a rejected call stays in the process")
        .isEqualTo(reached);
  }
}
