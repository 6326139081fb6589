package io.sluice.sdk;

/**
 * A hash of a string from its length and four of its characters, for the tables that front a
 * request path's lookups by a string built per request (a span name, a host name): {@link
 * String#hashCode} reads every character of a string never hashed before, which cost more than the
 * rest of the lookup. Four reads instead; strings that share a prefix (such as {@code GET /api/} or
 * {@code payments.}) differ in the characters read further in.
 */
public final class QuickHash {

  private QuickHash() {}

  /** The hash of {@code text}: its length and its first, last, middle and three-quarter chars. */
  public static int of(String text) {
    int n = text.length();
    if (n == 0) {
      return 0;
    }
    int h = n;
    h = 31 * h + text.charAt(0);
    h = 31 * h + text.charAt(n - 1);
    h = 31 * h + text.charAt(n >> 1);
    h = 31 * h + text.charAt((n * 3) >> 2);
    return h ^ (h >>> 10);
  }
}
