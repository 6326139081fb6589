package io.sluice.javaagent.instrumentation.reactornetty;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a Reactor Netty request goes, resolved from its configuration as {@code
 * HttpClientConnect.HttpClientHandler} resolves it before it connects: the URI ({@code "/"} when
 * none), prefixed with the client's {@code baseUrl} when it is a path; an absolute URI names host,
 * port and path, a path goes to the client's remote address ({@code HttpClient#host}/{@code port}).
 * The absolute form is parsed with Reactor Netty's own pattern ({@code UriEndpointFactory}), which
 * also takes URLs without a scheme ({@code host:port/path}). User info ({@code user:password@}) is
 * not part of the host: a {@code java.net.URI} request (Spring's {@code WebClient} passes one)
 * connects to {@code URI#getHost}, so the breakers see that host, and the credentials never reach a
 * breaker's target or the agent status. A String URL with user info is guarded by the same host,
 * although Reactor Netty takes the user info for part of the host name and never reaches it (see
 * {@link #hasUserInfo()}): an open breaker rejects it as any call to its target, and the failures
 * of such a call say nothing about the target (see {@link ReactorNettyCalls#watch}).
 *
 * <p>A helper class, injected into the app's class loader next to Reactor Netty; it holds no state.
 */
public final class ReactorNettyTarget {

  /** {@code UriEndpointFactory.URL_PATTERN}: scheme, host, port, path and query. */
  private static final Pattern URL =
      Pattern.compile("(?:(\\w+)://)?((?:\\[.+?])|(?<!\\[)(?:[^/?]+?))(?::(\\d{2,5}))?([/?].*)?");

  private final String host;
  private final int port;
  private final String path;
  private final boolean userInfo;

  private ReactorNettyTarget(String host, int port, String path, boolean userInfo) {
    this.host = host;
    this.port = port;
    this.path = path;
    this.userInfo = userInfo;
  }

  /**
   * Resolves a request's target, or {@code null} when it is not an address the breakers know (a
   * Unix domain socket, a URI Reactor Netty itself refuses). Calls {@code remote} at most once.
   *
   * @param uri the request's URI ({@code HttpClientConfig#uri}), {@code null} for {@code "/"}
   * @param baseUrl the client's base URL, or {@code null}
   * @param secure whether the client uses TLS, for URLs without a scheme
   * @param remote the client's remote address, for requests that give only a path
   */
  public static ReactorNettyTarget resolve(
      String uri, String baseUrl, boolean secure, Supplier<? extends SocketAddress> remote) {
    String target = uri == null || uri.isEmpty() ? "/" : uri;
    if (baseUrl != null && target.charAt(0) == '/') {
      target =
          (baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl) + target;
    }
    if (target.charAt(0) == '/') {
      SocketAddress address = remote == null ? null : remote.get();
      if (!(address instanceof InetSocketAddress)) {
        return null;
      }
      InetSocketAddress inet = (InetSocketAddress) address;
      return of(inet.getHostString(), inet.getPort(), target, false);
    }
    Matcher matcher = URL.matcher(target);
    if (!matcher.matches()) {
      return null;
    }
    String scheme = matcher.group(1);
    String host = matcher.group(2);
    // user info ends at the authority's last '@' (the pattern keeps it in the host)
    int userInfoEnd = host.lastIndexOf('@');
    host = host.substring(userInfoEnd + 1);
    if (host.isEmpty()) {
      return null;
    }
    if (host.charAt(0) == '[' && host.charAt(host.length() - 1) == ']') {
      host = host.substring(1, host.length() - 1);
    }
    boolean tls =
        scheme == null
            ? secure
            : "https".equalsIgnoreCase(scheme) || "wss".equalsIgnoreCase(scheme);
    int port = matcher.group(3) == null ? (tls ? 443 : 80) : Integer.parseInt(matcher.group(3));
    return of(host, port, matcher.group(4), userInfoEnd >= 0);
  }

  private static ReactorNettyTarget of(
      String host, int port, String pathAndQuery, boolean userInfo) {
    String path = pathAndQuery == null ? "" : pathAndQuery;
    int end = path.length();
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c == '?' || c == '#') {
        end = i;
        break;
      }
    }
    path = path.substring(0, end);
    if (path.isEmpty()) {
      path = "/";
    }
    return new ReactorNettyTarget(host, port, path, userInfo);
  }

  /** The host the request connects to, as the app named it. */
  public String host() {
    return host;
  }

  /** The port, explicit or the scheme's. */
  public int port() {
    return port;
  }

  /** The path without query or fragment; {@code "/"} when the URL has none. */
  public String path() {
    return path;
  }

  /**
   * Whether the URL named user info, left out of {@link #host()}. Reactor Netty connects to that
   * host only when the request's URI is a {@code java.net.URI}; given as a String, its URL pattern
   * keeps the user info in the host name ({@code user:password@payments}), which never resolves.
   */
  public boolean hasUserInfo() {
    return userInfo;
  }
}
