package io.sluice.controlplane.security;

import jakarta.servlet.http.HttpServletRequest;

/**
 * Who is calling: the name of the token (recorded as the author in history) and its role. Set on
 * the request by the token check; {@link #ANONYMOUS} for open reads.
 *
 * @param name the token's configured name
 * @param role the token's role
 */
public record Caller(String name, Role role) {

  /** A caller without a token, allowed only where reads are open. */
  public static final Caller ANONYMOUS = new Caller("anonymous", null);

  static final String ATTRIBUTE = Caller.class.getName();

  /** The caller of a request that passed the token check. */
  public static Caller of(HttpServletRequest request) {
    Object caller = request.getAttribute(ATTRIBUTE);
    return caller instanceof Caller c ? c : ANONYMOUS;
  }
}
