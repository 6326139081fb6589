package io.sluice.sdk.breaker;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.sluice.rules.BreakerPolicy;
import io.sluice.rules.SlidingWindow;
import io.sluice.rules.SlidingWindowType;
import java.time.Clock;
import java.time.Duration;

/**
 * The part of a {@link BreakerPolicy} that Resilience4j's immutable {@link CircuitBreakerConfig}
 * holds. Two policies with equal settings can share a circuit breaker instance: a change to only
 * the match, the failure status codes, {@code onOpen} or {@code shadow} keeps the breaker as it is.
 */
record BreakerSettings(
    double failureRateThreshold,
    double slowCallRateThreshold,
    Duration slowCallDuration,
    SlidingWindow slidingWindow,
    int minimumCalls,
    Duration waitInOpenState,
    int halfOpenCalls) {

  static BreakerSettings of(BreakerPolicy p) {
    return new BreakerSettings(
        p.failureRateThreshold(),
        p.slowCallRateThreshold(),
        p.slowCallDuration(),
        p.slidingWindow(),
        p.minimumCalls(),
        p.waitInOpenState(),
        p.halfOpenCalls());
  }

  /**
   * How long a half-open breaker whose trial calls are all taken waits for their outcomes before a
   * refused call opens it again (see {@code ManagedBreaker#reopenIfTrialCallsStuck}): the longer of
   * {@code waitInOpenState} and {@code slowCallDuration}. Not Resilience4j's {@code
   * maxWaitDurationInHalfOpenState}, which opens a half-open breaker after that time even when its
   * trial calls succeeded but were too few (a target with little traffic would never close).
   */
  Duration maxWaitInHalfOpenState() {
    return waitInOpenState.compareTo(slowCallDuration) >= 0 ? waitInOpenState : slowCallDuration;
  }

  /** The Resilience4j configuration; throws {@link IllegalArgumentException} on bad values. */
  CircuitBreakerConfig toConfig(Clock clock, boolean automaticHalfOpen) {
    return CircuitBreakerConfig.custom()
        .failureRateThreshold((float) failureRateThreshold)
        .slowCallRateThreshold((float) slowCallRateThreshold)
        .slowCallDurationThreshold(slowCallDuration)
        .slidingWindow(
            slidingWindow.size(),
            minimumCalls,
            slidingWindow.type() == SlidingWindowType.TIME
                ? CircuitBreakerConfig.SlidingWindowType.TIME_BASED
                : CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
        .waitDurationInOpenState(waitInOpenState)
        .permittedNumberOfCallsInHalfOpenState(halfOpenCalls)
        .automaticTransitionFromOpenToHalfOpenEnabled(automaticHalfOpen)
        .writableStackTraceEnabled(false)
        .clock(clock)
        .build();
  }
}
