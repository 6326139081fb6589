package io.sluice.sdk.breaker;

/**
 * Guards outgoing calls with the circuit breakers of the current rules. HTTP client instrumentation
 * (the javaagent extension, or an app by hand) calls {@link #start} before a call leaves the
 * process and reports the outcome on the returned {@link GuardedCall}.
 *
 * <p>Never throws and never blocks. A call no breaker policy covers is always permitted: {@link
 * #NONE} answers {@link GuardedCall#UNGUARDED}, which costs nothing; {@link BreakerRegistry}
 * answers a call that still records its outcome in the per-target statistics, so unprotected
 * dependencies show up in the agent status.
 */
public interface CallGuard {

  /** A guard that guards nothing. */
  CallGuard NONE = (host, port, method, path) -> GuardedCall.UNGUARDED;

  /**
   * Asks whether an outgoing call may proceed.
   *
   * @param host the target host
   * @param port the target port
   * @param method the HTTP method
   * @param path the URL path without query
   * @return the call's guard: {@link GuardedCall#permitted()} tells whether it may proceed
   */
  GuardedCall start(String host, int port, String method, String path);
}
