package io.sluice.rules;

/**
 * Which outgoing calls a {@link BreakerPolicy} covers. Every field is optional; all present fields
 * must hold. {@code host}, {@code method} and {@code path} are {@linkplain Glob globs}; methods
 * compare case-insensitively.
 *
 * @param host a glob on the target host, or {@code null}
 * @param port the target port, or {@code null} for any
 * @param method a glob on the HTTP method, or {@code null}
 * @param path a glob on the URL path (without query), or {@code null}
 */
public record CallMatch(String host, Integer port, String method, String path) {

  /** Matches every call. */
  public static final CallMatch ANY = new CallMatch(null, null, null, null);
}
