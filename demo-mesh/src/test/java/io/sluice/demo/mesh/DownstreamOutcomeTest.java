package io.sluice.demo.mesh;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ConnectException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** How orders names a failed call; the agent's breaker error is the case that matters most. */
class DownstreamOutcomeTest {
  @Test
  void recognisesTheAgentsBreakerErrorByItsMessage() {
    DownstreamOutcome outcome =
        DownstreamOutcome.fromFailure(
            "payments",
            new IOException("Sluice circuit breaker 'payments' is OPEN for payments:8082"));

    assertThat(outcome.ok()).isFalse();
    assertThat(outcome.rejectedByBreaker()).isTrue();
    assertThat(outcome.reason())
        .isEqualTo(
            "payments rejected by circuit breaker: Sluice circuit breaker 'payments' is OPEN for"
                + " payments:8082");
  }

  @Test
  void namesTimeoutsAndConnectionFailuresWithoutBlamingABreaker() {
    DownstreamOutcome timeout =
        DownstreamOutcome.fromFailure("payments", new TimeoutException("2000ms exceeded"));
    DownstreamOutcome refused =
        DownstreamOutcome.fromFailure("inventory", new ConnectException("Connection refused"));

    assertThat(timeout.reason()).isEqualTo("payments timed out");
    assertThat(timeout.rejectedByBreaker()).isFalse();
    assertThat(refused.reason())
        .isEqualTo("inventory unreachable: ConnectException: Connection refused");
    assertThat(refused.rejectedByBreaker()).isFalse();
    assertThat(refused.status()).isZero();
  }
}
