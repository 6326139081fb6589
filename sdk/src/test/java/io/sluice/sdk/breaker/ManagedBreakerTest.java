package io.sluice.sdk.breaker;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.opentelemetry.api.metrics.MeterProvider;
import io.sluice.rules.BreakerPolicy;
import io.sluice.rules.BreakerScope;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ManagedBreakerTest {

  private static PolicyState state(BreakerPolicy policy) {
    return new PolicyState(policy, BreakerSettings.of(policy).toConfig(Clock.systemUTC(), false));
  }

  @Test
  void aCallThatMatchedAnOlderVersionOfThePolicyNeverTunesTheBreakerBack() {
    BreakerPolicy v1 = Policies.payments();
    PolicyState first = state(v1);
    PolicyState second =
        state(Policies.with(v1, 20, Duration.ofSeconds(30), BreakerScope.TARGET, false));
    ManagedBreaker breaker =
        new ManagedBreaker(
            first, "payments:8080", Clock.systemUTC(), new BreakerTelemetry(MeterProvider.noop()));

    ManagedBreaker.Binding current = breaker.bindingFor(second);
    CircuitBreaker tuned = current.breaker;
    assertThat(current.policy).isSameAs(second);

    // a request thread still holding the snapshot before the change
    ManagedBreaker.Binding stale = breaker.bindingFor(first);
    assertThat(stale.policy).isSameAs(second);
    assertThat(stale.breaker).isSameAs(tuned);
    assertThat(breaker.retune(first).breaker).isSameAs(tuned);
    assertThat(breaker.binding().breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);

    // a later version (even one equal to the first) still applies
    PolicyState third = state(v1);
    assertThat(breaker.bindingFor(third).policy).isSameAs(third);
  }
}
