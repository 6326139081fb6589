package io.sluice.sdk.breaker;

import io.sluice.rules.CallTarget;
import java.net.URI;

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
   * @param port the target port: the URL's explicit port or its scheme's default (see {@link
   *     CallTarget#defaultPort(String, int)}; {@link URI#getPort()} answers -1 without an explicit
   *     port, which would be a target of its own that no policy with a {@code port} matches)
   * @param method the HTTP method
   * @param path the URL path without query; null or empty is {@code /}, as for a URL without a path
   * @return the call's guard: {@link GuardedCall#permitted()} tells whether it may proceed
   */
  GuardedCall start(String host, int port, String method, String path);

  /**
   * Asks whether a call to {@code url} may proceed, as {@link CallTarget#of(URI)} reads it: its
   * host, its port (the scheme's default when the URL names none) and its raw path. A URL without a
   * host is not guarded.
   */
  default GuardedCall start(URI url, String method) {
    CallTarget target = CallTarget.of(url);
    return target == null
        ? GuardedCall.UNGUARDED
        : start(target.host(), target.port(), method, target.path());
  }
}
