/**
 * Circuit breakers for outgoing calls, driven by the breaker policies of the current rules.
 *
 * <p>{@link io.sluice.sdk.breaker.CallGuard} is what HTTP client instrumentation calls: {@code
 * start(host, port, method, path)} before a call leaves, then one outcome on the returned {@link
 * io.sluice.sdk.breaker.GuardedCall}, or, when not permitted, the {@link
 * io.sluice.sdk.breaker.Rejection} to answer with. {@link io.sluice.sdk.breaker.BreakerRegistry} is
 * the implementation on Resilience4j and Caffeine: bounded, retuned in place on rule changes, with
 * shadow mode, OpenTelemetry metrics and per-target traffic statistics for the agent status.
 */
package io.sluice.sdk.breaker;
