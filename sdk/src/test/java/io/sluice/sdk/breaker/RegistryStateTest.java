package io.sluice.sdk.breaker;

import static io.sluice.sdk.breaker.Policies.payments;
import static io.sluice.sdk.breaker.Policies.rules;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.rules.BreakerPolicy;
import io.sluice.rules.CallMatch;
import io.sluice.testing.logging.LogCapture;
import java.time.Clock;
import org.junit.jupiter.api.Test;

class RegistryStateTest {

  private final Clock clock = Clock.systemUTC();

  /**
   * A policy that cannot be configured is warned of once, not again at every revision of the rules
   * for as long as it stays broken (each revision of any other rule used to repeat the WARNING); it
   * is warned of again when it fails with another problem, or comes back broken after a revision
   * without it.
   */
  @Test
  void anUnconfigurablePolicyIsWarnedOfOncePerProblem() {
    BreakerPolicy noFailureRate = search(0, 2);
    BreakerPolicy noTrialCalls = search(50, 0);

    try (LogCapture log = LogCapture.of(RegistryState.class)) {
      RegistryState state =
          new RegistryState(rules(1, noFailureRate, payments()), null, clock, false);
      assertThat(state.byName("search")).as("unguarded").isNull();
      assertThat(log.warnings()).hasSize(1);

      state = new RegistryState(rules(2, noFailureRate, payments()), state, clock, false);
      state = new RegistryState(rules(3, noFailureRate), state, clock, false);
      assertThat(log.warnings()).as("the same problem again").hasSize(1);

      state = new RegistryState(rules(4, noTrialCalls), state, clock, false);
      assertThat(log.warnings()).as("another problem").hasSize(2);

      state = new RegistryState(rules(5, payments()), state, clock, false);
      state = new RegistryState(rules(6, noTrialCalls), state, clock, false);
      assertThat(log.warnings()).as("broken again after a revision without it").hasSize(3);
      assertThat(log.warnings())
          .allMatch(
              m ->
                  m.equals(
                      "breaker policy 'search' cannot be configured; its calls are unguarded"));
    }
  }

  private static BreakerPolicy search(double failureRate, int halfOpenCalls) {
    BreakerPolicy p = Policies.policy("search", new CallMatch("search*", 8080, null, null));
    return new BreakerPolicy(
        p.name(),
        p.match(),
        p.scope(),
        failureRate,
        p.slowCallRateThreshold(),
        p.slowCallDuration(),
        p.slidingWindow(),
        p.minimumCalls(),
        p.waitInOpenState(),
        halfOpenCalls,
        p.failureStatusCodes(),
        p.onOpen(),
        p.shadow());
  }
}
