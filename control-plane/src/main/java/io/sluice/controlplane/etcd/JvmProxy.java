package io.sluice.controlplane.etcd;

import io.sluice.etcd.EtcdAddress;
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
 * directly, so the hints spoke of a connection the client never makes.
 *
 * <p>Exists so that what the control plane says about its endpoints (the start's probe, the 503s'
 * hints) does not come from a direct connection the client never makes: behind a proxy, a direct
 * connect that is refused, or answered, says nothing of the way the client goes.
 */
final class JvmProxy {

  /**
   * How the client dials one endpoint.
   *
   * @param proxy {@code host:port} of the HTTP proxy it tunnels through, or {@code null}
   * @param leftOut why the client leaves it out (the JVM's selector gave no usable answer), or
   *     {@code null}; {@code proxy} is then {@code null} too
   */
  record Route(String proxy, String leftOut) {

    static final Route DIRECT = new Route(null, null);

    /** Dialled directly: a direct connect shows what the client sees. */
    boolean direct() {
      return proxy == null && leftOut == null;
    }
  }

  private JvmProxy() {}

  /**
   * {@code host:port} of the HTTP proxy the JVM names for {@code address}, or {@code null} when it
   * is dialled directly or left out ({@link #route}). Never throws.
   */
  static String of(EtcdAddress address) {
    return route(address).proxy();
  }

  /** How the client dials {@code address}, as gRPC's proxy detector decides it. Never throws. */
  static Route route(EtcdAddress address) {
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
    return new Route(socket.getHostString() + ":" + socket.getPort(), null);
  }
}
