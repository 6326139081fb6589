package io.sluice.etcd;

import java.net.ConnectException;
import java.net.URI;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Tells etcd refusing a caller's credentials or access, and something that is not etcd answering in
 * its place (a proxy, an Envoy, a load balancer), from etcd being unreachable: the first two are
 * mistakes to fix (in the agent's configuration, in what stands in front of etcd), the last an
 * outage to wait out, and a caller that logs one warning per stretch of failures owes the operator
 * one of each, in whichever order they come.
 *
 * <p>Shared by the agent's rule source and status reporter, so both tell the same failures apart.
 *
 * <p>Something that is not etcd is told by its HTTP status: etcd answers every gRPC call with
 * {@code content-type: application/grpc} and gRPC's own status, so gRPC saying {@code HTTP status
 * code 403} (with {@code invalid content-type: text/plain}, under a code it infers from the HTTP
 * status: 403 {@code PERMISSION_DENIED}, 401 {@code UNAUTHENTICATED}, 502 {@code UNAVAILABLE}, 407
 * {@code UNKNOWN}) means an HTTP server answered instead of etcd. Such a 403 or 401 is no refusal
 * by etcd: checking the agent's etcd user would not help.
 *
 * <p>An Envoy in front of etcd answers a gRPC call its RBAC filter denies in gRPC's own terms,
 * {@code PERMISSION_DENIED} with the message {@code RBAC: access denied}, where etcd's own refusal
 * says {@code etcdserver: permission denied}: that too is something that is not etcd refusing, and
 * the fix is that filter's policy, not etcd's users.
 *
 * <p>A CONNECT proxy that gRPC dials etcd through says its HTTP status in Netty's words instead
 * ({@code … => etcd:2379, status: 407 Proxy Authentication Required}, under {@code UNAVAILABLE}):
 * no outage of etcd either, but a proxy to give credentials to or to allow etcd through. Only a 4xx
 * is such a refusal: a 5xx is the proxy failing to reach etcd, an outage.
 */
public final class EtcdRefusal {

  /** How gRPC words a call answered with an HTTP status and no gRPC status. */
  private static final Pattern HTTP_STATUS = Pattern.compile("HTTP status code (\\d{3})");

  /**
   * How Netty's HTTP proxy handler, which gRPC dials a CONNECT proxy with, words the proxy's
   * refusal to open the tunnel: {@code http, none, /127.0.0.1:3128 => etcd:2379, status: 407 Proxy
   * Authentication Required}.
   */
  private static final Pattern CONNECT_STATUS = Pattern.compile(" => \\S+, status: (\\d{3})");

  /** How Envoy's RBAC filter words a denial, for a gRPC call as for plain HTTP. */
  static final String RBAC_DENIED = "RBAC: access denied";

  private EtcdRefusal() {}

  /**
   * Whether etcd answered with a refusal of the credentials or of access (a wrong password, a user
   * without a role on the prefix, authentication not enabled on a cluster given a user), as gRPC
   * words etcd's errors. An HTTP refusal or an RBAC denial by something in front of etcd is not one
   * (see {@link #notEtcd}).
   */
  public static boolean refusedAccess(Throwable error) {
    if (notEtcdHttpStatus(error) != 0 || connectStatus(error) != 0 || deniedByRbac(error)) {
      return false;
    }
    String message = String.valueOf(Causes.root(error).getMessage());
    return message.startsWith("UNAUTHENTICATED")
        || message.startsWith("PERMISSION_DENIED")
        || message.contains("etcdserver: authentication")
        || message.contains("etcdserver: permission denied")
        || message.contains("etcdserver: user name")
        || message.contains("invalid user ID or password");
  }

  /**
   * What to tell when something that is not etcd answered a call in its place with an HTTP status,
   * such as {@code etcd at http://etcd-1:2379 answered with HTTP 403 from something that is not
   * etcd (a proxy?)}, or with an RBAC denial ({@code etcd at http://etcd-1:2379 answered with an
   * RBAC denial from something that is not etcd (an Envoy?)}); {@code null} when {@code error} is
   * no such answer. A reverse proxy's 502, 503 or 504 is no such answer either, but etcd out of the
   * proxy's reach, an outage ({@link #unreachableBehindProxy}), whichever a caller asks first; so
   * is a CONNECT proxy's 5xx for the tunnel. Never throws.
   *
   * @param endpoints the endpoints the client dials, to name them; may be empty
   */
  public static String notEtcd(Throwable error, Collection<URI> endpoints) {
    int status = notEtcdHttpStatus(error);
    if (gatewayError(status)) {
      return null; // the proxy could not reach etcd: an outage, not something to fix in front
    }
    int connect = status == 0 ? connectStatus(error) : 0;
    boolean rbac = status == 0 && connect == 0 && deniedByRbac(error);
    if (status == 0 && connect == 0 && !rbac) {
      return null;
    }
    String where = named(endpoints);
    if (rbac) {
      return where + " answered with an RBAC denial from something that is not etcd (an Envoy?)";
    }
    if (connect != 0) {
      return where
          + " answered with HTTP "
          + connect
          + " from something that is not etcd (the HTTP proxy it is reached through refused"
          + " CONNECT)";
    }
    return where + " answered with HTTP " + status + " from something that is not etcd (a proxy?)";
  }

  /**
   * What to tell when a reverse proxy in front of etcd answered a call with HTTP 502, 503 or 504,
   * such as {@code etcd at http://etcd-1:2379 answered with HTTP 503 from a proxy in front of it,
   * which could not reach etcd (etcd down or cut off behind the proxy: an outage)}; {@code null}
   * when {@code error} is no such answer. A proxy's 502/503/504 says it could not pass the call on:
   * etcd is down or cut off behind it, an outage to wait out, not something that is not etcd to fix
   * ({@link #notEtcd} says nothing of it). A CONNECT proxy that gRPC dials etcd through and that
   * answers the tunnel's {@code CONNECT} with a 5xx is told the same way: {@code etcd at
   * http://etcd-1:2379 answered with HTTP 502 from the HTTP proxy it is reached through, which
   * could not reach etcd (etcd down or cut off behind the proxy: an outage)}. Never throws.
   *
   * @param endpoints the endpoints the client dials, to name them; may be empty
   */
  public static String unreachableBehindProxy(Throwable error, Collection<URI> endpoints) {
    int status = notEtcdHttpStatus(error);
    if (gatewayError(status)) {
      return named(endpoints)
          + " answered with HTTP "
          + status
          + " from a proxy in front of it, which could not reach etcd (etcd down or cut off behind"
          + " the proxy: an outage)";
    }
    int connect = status == 0 ? connectAnswer(error) : 0;
    if (connect >= 500 && connect < 600) {
      return named(endpoints)
          + " answered with HTTP "
          + connect
          + " from the HTTP proxy it is reached through, which could not reach etcd (etcd down or"
          + " cut off behind the proxy: an outage)";
    }
    return null;
  }

  /** Whether an HTTP status is a proxy's gateway error: it could not pass the call on to etcd. */
  private static boolean gatewayError(int status) {
    return status == 502 || status == 503 || status == 504;
  }

  /**
   * Whether a proxy between the caller and etcd answered that it could not reach etcd: a reverse
   * proxy's 502, 503 or 504 ({@link #unreachableBehindProxy}), or a CONNECT proxy's 5xx for the
   * tunnel (Squid's 503 for a refused connection, 502, 504). Either is etcd down or cut off behind
   * the proxy, an outage like an etcd that does not answer, though the proxy answers at once.
   */
  public static boolean proxyCouldNotReachEtcd(Throwable error) {
    return unreachableBehindProxy(error, List.of()) != null;
  }

  /**
   * Whether {@code error} is the CONNECT proxy a caller dials etcd through answering the tunnel's
   * {@code CONNECT} with a 5xx (it could not reach etcd: {@link #proxyCouldNotReachEtcd}): that
   * answer is of the endpoints dialled through that proxy. A reverse proxy's 502, 503 or 504 is an
   * answer to the call itself, on the connection to any endpoint, dialled directly or not.
   */
  public static boolean tunnelFailedBehindProxy(Throwable error) {
    int connect = notEtcdHttpStatus(error) == 0 ? connectAnswer(error) : 0;
    return connect >= 500 && connect < 600;
  }

  /**
   * Whether the CONNECT proxy a caller dials etcd through refused to open the tunnel (a 407 or a
   * 403: {@link #notEtcd} words it so): the endpoints to name are then the ones dialled through
   * that proxy, not those dialled directly beside them.
   */
  public static boolean tunnelRefused(Throwable error) {
    return notEtcdHttpStatus(error) == 0 && connectStatus(error) != 0;
  }

  /**
   * What to tell when no endpoint could be dialled because the proxy the JVM names for each could
   * not be looked up (its name does not resolve, the {@code ProxySelector} failed), such as {@code
   * cannot look up the proxy for etcd endpoint 127.0.0.1:2379 (UnknownHostException:
   * proxy.internal); it is not dialled around the proxy}; {@code null} when {@code error} is no
   * such failure. The resolver leaves saying it to the caller's one warning of etcd being
   * unreachable, whose own words (the root cause alone) would not name the proxy. Never throws.
   */
  public static String proxyNotLookedUp(Throwable error) {
    for (Throwable t : Causes.of(error)) {
      String message = String.valueOf(t.getMessage());
      int at = message.indexOf(ProxiedEtcdResolver.LOOKUP_FAILED);
      if (at < 0) {
        at = message.indexOf(ProxiedEtcdResolver.LOOKUP_FAILED_ALL);
      }
      if (at >= 0) {
        int end = message.indexOf('\n', at);
        return end < 0 ? message.substring(at) : message.substring(at, end);
      }
    }
    return null;
  }

  /** {@code etcd}, or {@code etcd at} the endpoints. */
  private static String named(Collection<URI> endpoints) {
    return endpoints.isEmpty()
        ? "etcd"
        : "etcd at " + endpoints.stream().map(URI::toString).collect(Collectors.joining(", "));
  }

  /**
   * Whether {@code failure}, or a cause of it, is a connection the other end refused (nothing
   * listens on the port dialled): etcd's own port, or a proxy's.
   */
  public static boolean connectionRefused(Throwable failure) {
    for (Throwable t : Causes.of(failure)) {
      if (t instanceof ConnectException
          && t.getMessage() != null
          && t.getMessage().toLowerCase(Locale.ROOT).contains("refused")) {
        return true;
      }
    }
    return false;
  }

  /**
   * The HTTP status a CONNECT proxy between the caller and etcd refused to open the tunnel with
   * (407 without or with wrong proxy credentials, 403 to a destination it does not allow), or 0. A
   * 5xx is 0 too: the proxy could not reach etcd (Squid's 503 for a refused connection, 502, 504),
   * which is etcd down or cut off behind it, an outage to wait out.
   */
  static int connectStatus(Throwable error) {
    int code = connectAnswer(error);
    return code >= 400 && code < 500 ? code : 0;
  }

  /**
   * The HTTP status a CONNECT proxy between the caller and etcd answered the tunnel's {@code
   * CONNECT} with, whatever it is, or 0.
   */
  private static int connectAnswer(Throwable error) {
    return firstStatus(error, CONNECT_STATUS);
  }

  /** Whether an RBAC filter in front of etcd (Envoy's) denied {@code error}'s call. */
  static boolean deniedByRbac(Throwable error) {
    return Causes.anyMessageContains(error, RBAC_DENIED);
  }

  /** The HTTP status something that is not etcd answered {@code error}'s call with, or 0. */
  static int notEtcdHttpStatus(Throwable error) {
    return firstStatus(error, HTTP_STATUS);
  }

  /**
   * The status {@code pattern}'s first group reads from the first message among {@code error} and
   * its causes that it finds, or 0.
   */
  private static int firstStatus(Throwable error, Pattern pattern) {
    for (Throwable t : Causes.of(error)) {
      Matcher status = pattern.matcher(String.valueOf(t.getMessage()));
      if (status.find()) {
        return Integer.parseInt(status.group(1));
      }
    }
    return 0;
  }
}
