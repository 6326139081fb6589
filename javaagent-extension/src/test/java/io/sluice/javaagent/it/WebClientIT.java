package io.sluice.javaagent.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The Reactor Netty suite through Spring's {@code WebClient} ({@code method(...).uri(...)
 * .exchangeToMono(...)} on a {@code ReactorClientHttpConnector}): the breakers guard the Reactor
 * Netty requests it makes, and a rejection reaches the app as {@code WebClient} reports a refused
 * connection, a {@code WebClientRequestException} whose cause is the breaker's {@code
 * ConnectException}.
 */
class WebClientIT extends ReactorNettyHttpClientIT {

  @Override
  String client() {
    return "webclient";
  }

  @Override
  String rejectionErrorType() {
    return "org.springframework.web.reactive.function.client.WebClientRequestException";
  }

  /**
   * A URL with user info ({@code WebClient} passes Reactor Netty a {@code java.net.URI}, whose host
   * it connects to) is guarded by its host: the breaker opens, and the credentials never reach the
   * agent status. Read as part of the host (as once), no policy matched and the breaker never
   * opened.
   */
  @Test
  void aUrlWithUserInfoIsGuardedByItsHost() {
    String policy = "userinfo-" + client();
    String url = "http://user:secret@127.0.0.1:" + downstream.port() + "/userinfo/" + client();
    applyRules(
        Rules.document(
            service(),
            Rules.breaker(policy, downstream.port(), "/userinfo/**", "120s", Rules.ERROR, false)));
    downstream.answer(500);

    AppAnswer rejected =
        callUntilRejected(client(), url, "the breaker opens on calls with user info");
    assertThat(rejected.error()).contains("Sluice circuit breaker '" + policy + "'");
    await("the agent status names the target without the credentials")
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () -> {
              assertThat(status.of(service()).orElseThrow().topTargets())
                  .anySatisfy(
                      stats ->
                          assertThat(stats.target()).isEqualTo("127.0.0.1:" + downstream.port()))
                  .noneSatisfy(stats -> assertThat(stats.target()).contains("secret"));
            });
  }

  /**
   * Not repeated here: {@code WebClient} passes a {@code java.net.URI}, whose host Reactor Netty
   * connects to, see {@link #aUrlWithUserInfoIsGuardedByItsHost}. (Overridden without
   * {@code @Test}: JUnit runs no overridden test method.)
   */
  @Override
  void aStringUrlWithUserInfoIsGuardedByItsHostWithoutItsCredentials() {}

  /**
   * Not repeated here: the WebSocket styles are Reactor Netty's, checked by the Reactor Netty ITs.
   */
  @Override
  void websocketUpgradesAreGuardedAndCountedByTheirStatus() {}

  /** Not repeated here, as {@link #websocketUpgradesAreGuardedAndCountedByTheirStatus}. */
  @Override
  void refusedWebsocketConnectionsOpenTheBreaker() {}
}
