package io.sluice.sdk.breaker;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.sluice.rules.BreakerPolicy;
import io.sluice.rules.CallMatch;
import io.sluice.rules.StatusCodeRange;
import org.junit.jupiter.api.Test;

class PolicyStateTest {

  /** The status table answers as the policy's ranges do, at its edges and past them. */
  @Test
  void judgesEveryStatusAsThePolicysRangesDo() {
    BreakerPolicy policy =
        Policies.failingOn(
            Policies.policy("p", CallMatch.ANY),
            new StatusCodeRange(429, 429),
            new StatusCodeRange(500, 503),
            new StatusCodeRange(1020, 1100),
            new StatusCodeRange(0, 0),
            new StatusCodeRange(63, 64));
    PolicyState state = new PolicyState(policy, CircuitBreakerConfig.ofDefaults());

    for (int status = -2; status < 1200; status++) {
      assertThat(state.isFailureStatus(status))
          .as("status %d", status)
          .isEqualTo(policy.isFailureStatus(status));
    }
    assertThat(state.isFailureStatus(Integer.MAX_VALUE)).isFalse();
    assertThat(state.isFailureStatus(Integer.MIN_VALUE)).isFalse();
  }
}
