package io.sluice.sdk.breaker;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;

/**
 * A call a half-open breaker let through as one of its trial calls: the period it belongs to, so
 * that giving up on it gives its permission back to that period only (see {@link
 * ManagedBreaker#inTrialPeriod}). A subclass rather than a field of {@link Call}, which keeps every
 * other permitted call a 40-byte object: trial calls are a handful per half-open period.
 */
final class TrialCall extends Call {

  private final int period;

  TrialCall(
      BreakerRegistry registry,
      Target target,
      PolicyState policy,
      ManagedBreaker breaker,
      CircuitBreaker circuitBreaker,
      long startNanos,
      int period) {
    super(registry, target, policy, breaker, circuitBreaker, startNanos);
    this.period = period;
  }

  @Override
  int trialPeriod() {
    return period;
  }
}
