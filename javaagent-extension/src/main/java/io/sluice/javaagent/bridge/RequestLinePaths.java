package io.sluice.javaagent.bridge;

import java.net.URI;

/**
 * Where an Apache HttpClient request goes when its request line is all there is to read: a request
 * of HttpClient 4's core API ({@code BasicHttpRequest}, rather than an {@code HttpUriRequest}), or
 * an HttpClient 5 request made from a string that is no URI ({@code new
 * BasicClassicHttpRequest("GET", "http://h/p{x}")} keeps it whole as its path, without scheme or
 * authority). HttpClient sends such a line as it is, also one that is no {@code java.net.URI}
 * (braces, spaces or {@code |} in its path, which {@code URI.create} refuses and HttpClient only
 * logs): the breakers must still see its path, or the call would pass an open breaker.
 *
 * <p>In the bootstrap bridge, though it holds no state, so that the advice of both HttpClient
 * versions reaches one class from any loader, with no helper for both modules to inject into a
 * loader that holds both versions.
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
