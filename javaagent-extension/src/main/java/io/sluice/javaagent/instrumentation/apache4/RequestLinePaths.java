package io.sluice.javaagent.instrumentation.apache4;

import java.net.URI;

/**
 * Where an Apache HttpClient 4 request goes when its request line is all there is to read (a
 * request of the core API, {@code BasicHttpRequest}, rather than an {@code HttpUriRequest}).
 * HttpClient sends such a line as it is, also one that is no {@code java.net.URI} (braces, spaces
 * or {@code |} in its path, which {@code URI.create} refuses and HttpClient only logs): the
 * breakers must still see its path, or the call would pass an open breaker. A helper class,
 * injected into the app's class loader next to HttpClient; it holds no state.
 */
public final class RequestLinePaths {

  private RequestLinePaths() {}

  /** The request line's URI, or {@code null} when it is no {@code java.net.URI}. */
  public static URI uri(String requestLine) {
    try {
      return requestLine == null ? null : URI.create(requestLine);
    } catch (IllegalArgumentException notAUri) {
      return null;
    }
  }

  /**
   * The raw path of a request line HttpClient sends as it is: what comes before its query (or
   * fragment), without the scheme and authority of an absolute URL.
   */
  public static String path(String requestLine) {
    if (requestLine == null) {
      return null;
    }
    int end = requestLine.length();
    for (int i = 0; i < end; i++) {
      char c = requestLine.charAt(i);
      if (c == '?' || c == '#') {
        end = i;
        break;
      }
    }
    String path = requestLine.substring(0, end);
    int scheme = path.startsWith("/") ? -1 : path.indexOf("://");
    if (scheme > 0) {
      int slash = path.indexOf('/', scheme + 3);
      path = slash < 0 ? "" : path.substring(slash);
    }
    return path;
  }
}
