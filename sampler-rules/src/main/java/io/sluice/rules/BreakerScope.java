package io.sluice.rules;

/** What one breaker instance of a {@link BreakerPolicy} guards. */
public enum BreakerScope {
  /** One breaker per target {@code host:port} matched by the policy (the default). */
  TARGET,
  /** One breaker shared by every call the policy matches. */
  RULE
}
