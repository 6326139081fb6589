package io.sluice.javaagent.instrumentation.vertx;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A {@code WebClient} exchange carries its first hop's call across the redirects it follows, and
 * reports a held 3xx when no follow-up took it. {@code Vertx50HttpClientIT} checks the same with a
 * real {@code WebClient}.
 */
class WebClientExchangeTest {

  private final RecordingCall call = new RecordingCall();

  @AfterEach
  void leaveNoHopBehind() {
    WebClientExchange.created();
  }

  @Test
  void aFollowUpCarriesTheHeldCallOnAndTheEndReportsNothingMore() {
    WebClientExchange exchange = WebClientExchange.of(null);
    WebClientExchange.creating(exchange, 0);
    assertThat(WebClientExchange.current()).isSameAs(exchange);
    assertThat(exchange.following()).as("the first hop asks the breakers").isFalse();
    WebClientExchange.created();
    assertThat(WebClientExchange.current()).isNull();

    exchange.hold(call, 302);
    WebClientExchange.creating(WebClientExchange.of(exchange), 1);
    assertThat(exchange.following()).isTrue();
    assertThat(exchange.takeHeld()).isSameAs(call);
    assertThat(exchange.takeHeld()).as("taken once").isNull();
    WebClientExchange.ended(exchange);
    assertThat(call.reports).as("the follow-up reports the outcome").isEmpty();
  }

  @Test
  void aHeld3xxNoFollowUpTookIsTheOutcomeWhenTheExchangeEnds() {
    WebClientExchange exchange = WebClientExchange.of(null);
    exchange.hold(call, 302);
    WebClientExchange.ended(exchange);
    WebClientExchange.ended(exchange);
    assertThat(call.reports).containsExactly(302);
  }

  @Test
  void anExchangeWithoutAHeldCallEndsQuietly() {
    WebClientExchange.ended(null);
    WebClientExchange.ended("another attribute");
    WebClientExchange.ended(WebClientExchange.of(null));
    assertThat(call.reports).isEmpty();
  }
}
