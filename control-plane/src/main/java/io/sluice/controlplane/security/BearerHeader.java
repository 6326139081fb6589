package io.sluice.controlplane.security;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.HttpHeaders;

/**
 * Reads a request's bearer credentials the one way every check of the control plane does: the API's
 * token check and the actuator's. Kept in one place so that what counts as a malformed bearer
 * header, or as another scheme's, cannot differ between them.
 */
final class BearerHeader {

  private static final String BEARER = "Bearer";

  private BearerHeader() {}

  /**
   * The request's {@code Authorization} header when it is Sluice's to read: one whose auth-scheme
   * is {@code Bearer} (in any case), or one that has no auth-scheme at all (blank, a script's unset
   * variable; {@code ,x}); {@code null} when there is none or it has another scheme.
   *
   * <p>The auth-scheme is the header's leading run of token characters (RFC 9110 5.6.2, 11.4), so
   * it ends at the first character that is none: {@code Bearer,tok} and {@code Bearer} with a
   * no-break space (U+00A0) before the token have the scheme {@code Bearer} and are malformed
   * bearer credentials, while {@code Bearertok} has another scheme.
   */
  static String of(HttpServletRequest request) {
    String header = request.getHeader(HttpHeaders.AUTHORIZATION);
    if (header == null) {
      return null;
    }
    String value = strip(header);
    int end = schemeEnd(value);
    boolean bearer = end == BEARER.length() && value.regionMatches(true, 0, BEARER, 0, end);
    return end == 0 || bearer ? header : null;
  }

  /**
   * The token of an {@code Authorization: Bearer <token>} header, {@code null} if it has none: RFC
   * 6750 2.1 puts spaces between the scheme and the token ({@code credentials = "Bearer" 1*SP
   * b64token}; a tab is taken as well). Anything else after the scheme makes it malformed.
   */
  static String token(String header) {
    String value = strip(header);
    if (schemeEnd(value) != BEARER.length()
        || value.length() == BEARER.length()
        || !isBlank(value.charAt(BEARER.length()))) {
      return null;
    }
    return strip(value.substring(BEARER.length()));
  }

  /** Where the leading auth-scheme of {@code value} ends: after its last token character. */
  private static int schemeEnd(String value) {
    int i = 0;
    while (i < value.length() && isTokenChar(value.charAt(i))) {
      i++;
    }
    return i;
  }

  /** RFC 9110 {@code tchar}: a letter, a digit or one of {@code !#$%&'*+-.^_`|~}. */
  private static boolean isTokenChar(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
  }

  /** A space or a tab: HTTP's whitespace within a header value. */
  private static boolean isBlank(char c) {
    return c == ' ' || c == '\t';
  }

  /** {@code value} without the spaces and tabs around it. */
  private static String strip(String value) {
    int start = 0;
    int end = value.length();
    while (start < end && isBlank(value.charAt(start))) {
      start++;
    }
    while (end > start && isBlank(value.charAt(end - 1))) {
      end--;
    }
    return value.substring(start, end);
  }
}
