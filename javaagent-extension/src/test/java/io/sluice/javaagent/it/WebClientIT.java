package io.sluice.javaagent.it;

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
}
