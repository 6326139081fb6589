package io.sluice.sdk.breaker;

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
   *     #port(String, int)}; {@link URI#getPort()} answers -1 without an explicit port, which would
   *     be a target of its own that no policy with a {@code port} matches)
   * @param method the HTTP method
   * @param path the URL path without query
   * @return the call's guard: {@link GuardedCall#permitted()} tells whether it may proceed
   */
  GuardedCall start(String host, int port, String method, String path);

  /**
   * Asks whether a call to {@code url} may proceed: its host, its port (the scheme's default when
   * the URL names none) and its raw path. A host that {@link URI} does not take for a server name
   * (an underscore, as in docker-compose service names: {@code getHost()} is null) is read from the
   * authority.
   */
  default GuardedCall start(URI url, String method) {
    String host = url.getHost();
    int port = url.getPort();
    String authority = url.getRawAuthority();
    if (host == null && authority != null) {
      authority = authority.substring(authority.lastIndexOf('@') + 1);
      int colon = authority.lastIndexOf(':');
      if (colon > 0 && authority.lastIndexOf(']') < colon) {
        host = authority.substring(0, colon);
        port = parsePort(authority.substring(colon + 1));
      } else {
        host = authority;
      }
    }
    String path = url.getRawPath();
    return start(
        host, port(url.getScheme(), port), method, path == null || path.isEmpty() ? "/" : path);
  }

  private static int parsePort(String digits) {
    try {
      return Integer.parseInt(digits);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /**
   * The port a URL addresses: {@code port} when positive, else its scheme's default (443 for {@code
   * https} and {@code wss}, otherwise 80).
   */
  static int port(String scheme, int port) {
    if (port > 0) {
      return port;
    }
    return "https".equalsIgnoreCase(scheme) || "wss".equalsIgnoreCase(scheme) ? 443 : 80;
  }
}
