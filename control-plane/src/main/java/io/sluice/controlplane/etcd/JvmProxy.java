package io.sluice.controlplane.etcd;

import io.sluice.etcd.EtcdAddress;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;

/**
 * The HTTP proxy the JVM dials etcd's endpoints through, as the client's {@code sluice-etcd:///}
 * target does: gRPC asks {@link ProxySelector#getDefault()} for {@code https://host:port}, whatever
 * the endpoint's scheme, and tunnels through the first proxy it answers unless that one is {@code
 * DIRECT}, whatever its type; a host {@link URI} refuses ({@code etcd_1}) is dialled directly.
 *
 * <p>A selector that throws, answers {@code null} or an empty list, or names a proxy whose address
 * is no socket address makes gRPC's proxy detector fail (1.82's {@code ProxyDetectorImpl}: an
 * {@code IOException} for no answer, the selector's own exception else), and the client's resolver
 * then leaves that endpoint out: it is not dialled at all, neither directly nor through a proxy.
 * Such an endpoint is {@linkplain Route#leftOut() left out} here too; it was taken as dialled
 * directly, so the hints spoke of a connection the client never makes. So is an endpoint whose
 * proxy is named by a host name that does not resolve: gRPC's detector looks the name up, fails,
 * and the client dials that endpoint neither through the proxy nor around it (it was reported as
 * dialled through the proxy). That name is looked up off the caller's thread and its answer kept a
 * short while ({@link ProxyNames}): the callers include failing API requests, which waited for the
 * resolver's timeout when DNS was down. Until its first lookup answers, the proxy is taken as in
 * use, and the route says its name is {@linkplain Route#nameBeingLookedUp() still being looked up}
 * (it read as a proxy whose name resolves).
 *
 * <p>A proxy is named {@code host:port}, an IPv6 literal in brackets ({@code [::1]:3128}).
 *
 * <p>Exists so that what the control plane says about its endpoints (the start's probe, the 503s'
 * hints) does not come from a direct connection the client never makes: behind a proxy, a direct
 * connect that is refused, or answered, says nothing of the way the client goes.
 */
final class JvmProxy {

  /**
   * How the client dials one endpoint.
   *
   * @param proxy {@code host:port} of the HTTP proxy it tunnels through, or {@code null}; only ever
   *     the address, which callers parse ({@link FirstContact} matches it against a refused
   *     connection's)
   * @param leftOut why the client leaves it out (the JVM's selector gave no usable answer, or named
   *     a proxy whose name does not resolve), or {@code null}; {@code proxy} is then {@code null}
   *     too
   * @param nameBeingLookedUp whether {@code proxy} is named by a host name whose first lookup has
   *     not answered yet ({@link ProxyNames.Resolution#NOT_YET_KNOWN}): taken as in use, as gRPC's
   *     own lookup decides, but not known to resolve; {@code false} without a proxy
   */
  record Route(String proxy, String leftOut, boolean nameBeingLookedUp) {

    static final Route DIRECT = new Route(null, null);

    /** A route whose proxy, if any, is known to resolve (or is an address). */
    Route(String proxy, String leftOut) {
      this(proxy, leftOut, false);
    }

    /** Dialled directly: a direct connect shows what the client sees. */
    boolean direct() {
      return proxy == null && leftOut == null;
    }
  }

  /** The lookups of proxies' names, shared by every caller: the answers are the JVM's. */
  private static final ProxyNames NAMES = ProxyNames.inDns();

  private JvmProxy() {}

  /**
   * How the client dials {@code address}, as gRPC's proxy detector decides it. Never throws, and
   * never waits on DNS for more than {@link ProxyNames#FIRST_WAIT}: a proxy whose name's first
   * lookup has not answered by then is taken as in use, its route saying so ({@link
   * Route#nameBeingLookedUp}).
   */
  static Route route(EtcdAddress address) {
    return route(address, NAMES);
  }

  /** The lookups of proxies' names that {@link #route(EtcdAddress)} asks: the JVM's DNS. */
  static ProxyNames jvmsNames() {
    return NAMES;
  }

  /** {@link #route(EtcdAddress)}, proxies' names looked up by {@code names}. */
  static Route route(EtcdAddress address, ProxyNames names) {
    URI uri;
    try {
      uri = new URI("https", null, address.host(), address.port(), null, null, null);
    } catch (URISyntaxException e) {
      return Route.DIRECT; // the resolver asks no proxy for such a host
    }
    ProxySelector selector = ProxySelector.getDefault();
    if (selector == null) {
      return Route.DIRECT;
    }
    List<Proxy> proxies;
    try {
      proxies = selector.select(uri);
    } catch (RuntimeException e) {
      return new Route(null, "the JVM's ProxySelector failed for it: " + e);
    }
    if (proxies == null || proxies.isEmpty()) {
      return new Route(
          null,
          "the JVM's ProxySelector answered "
              + (proxies == null ? "null" : "no proxy")
              + " for it");
    }
    // gRPC's detector takes the first answer only, and tunnels with CONNECT through any type
    Proxy first = proxies.get(0);
    if (first == null) {
      return new Route(null, "the JVM's ProxySelector answered null for it");
    }
    if (first.type() == Proxy.Type.DIRECT) {
      return Route.DIRECT;
    }
    if (!(first.address() instanceof InetSocketAddress socket)) {
      return new Route(null, "the JVM's ProxySelector named a proxy with no socket address");
    }
    String proxy = hostPort(socket);
    ProxyNames.Resolution name =
        socket.isUnresolved() ? resolution(socket.getHostString(), names) : null;
    if (name == ProxyNames.Resolution.DOES_NOT_RESOLVE) {
      // gRPC's detector looks the proxy's name up and fails with it: the endpoint is left out
      return new Route(
          null,
          "the JVM's ProxySelector named the HTTP proxy "
              + proxy
              + ", whose name does not resolve");
    }
    // a name whose first lookup has not answered: in use, as it is once gRPC's lookup succeeds
    return new Route(proxy, null, name == ProxyNames.Resolution.NOT_YET_KNOWN);
  }

  /**
   * {@code host:port} of {@code proxy}, an IPv6 literal in brackets ({@code [::1]:3128}): its own
   * colons would otherwise read as the port's.
   */
  private static String hostPort(InetSocketAddress proxy) {
    String host = proxy.getHostString();
    return (host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host)
        + ":"
        + proxy.getPort();
  }

  /**
   * What is known of the proxy's name, looked up as gRPC's proxy detector does ({@link
   * InetAddress#getByName}) unless it is an IP literal (which resolves): off the caller's thread,
   * the answer kept a short while ({@link ProxyNames}).
   */
  private static ProxyNames.Resolution resolution(String host, ProxyNames names) {
    return IpLiterals.address(host) != null ? ProxyNames.Resolution.RESOLVES : names.of(host);
  }
}
