package io.sluice.controlplane.etcd;

import io.sluice.etcd.EtcdAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Collection;
import java.util.List;

/**
 * The HTTP proxy the JVM dials etcd's endpoints through, as the client's {@code sluice-etcd:///}
 * target does: gRPC asks {@link ProxySelector#getDefault()} for {@code https://host:port}, whatever
 * the endpoint's scheme, and tunnels through the first proxy it answers unless that one is {@code
 * DIRECT}, whatever its type; a host {@link URI} refuses ({@code etcd_1}) is dialled directly.
 *
 * <p>Exists so that what the control plane says about its endpoints (the start's probe, the 503s'
 * hints) does not come from a direct connection the client never makes: behind a proxy, a direct
 * connect that is refused, or answered, says nothing of the way the client goes.
 */
final class JvmProxy {

  private JvmProxy() {}

  /**
   * {@code host:port} of the HTTP proxy the JVM names for {@code address}, or {@code null} when it
   * is dialled directly. Never throws: a selector that fails is taken as no proxy, as gRPC does.
   */
  static String of(EtcdAddress address) {
    try {
      ProxySelector selector = ProxySelector.getDefault();
      if (selector == null) {
        return null;
      }
      URI uri = new URI("https", null, address.host(), address.port(), null, null, null);
      List<Proxy> proxies = selector.select(uri);
      // gRPC's detector takes the first answer only, and tunnels with CONNECT through any type
      Proxy first = proxies == null || proxies.isEmpty() ? null : proxies.get(0);
      if (first == null
          || first.type() == Proxy.Type.DIRECT
          || !(first.address() instanceof InetSocketAddress socket)) {
        return null;
      }
      return socket.getHostString() + ":" + socket.getPort();
    } catch (URISyntaxException | RuntimeException e) {
      return null;
    }
  }

  /** The proxy the JVM names for the first of {@code endpoints} that has one, or {@code null}. */
  static String ofAny(Collection<URI> endpoints) {
    for (URI endpoint : endpoints) {
      EtcdAddress address = EtcdAddress.of(endpoint);
      String proxy = address == null ? null : of(address);
      if (proxy != null) {
        return proxy;
      }
    }
    return null;
  }
}
