package io.sluice.controlplane.etcd;

import io.sluice.etcd.EtcdAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Collection;

/**
 * The HTTP proxy the JVM dials etcd's endpoints through, as the client's {@code sluice-etcd:///}
 * target does: gRPC asks {@link ProxySelector#getDefault()} for {@code https://host:port}, whatever
 * the endpoint's scheme, and a host {@link URI} refuses ({@code etcd_1}) is dialled directly.
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
      for (Proxy proxy : selector.select(uri)) {
        if (proxy.type() == Proxy.Type.HTTP
            && proxy.address() instanceof InetSocketAddress socket) {
          return socket.getHostString() + ":" + socket.getPort();
        }
      }
      return null;
    } catch (URISyntaxException | RuntimeException e) {
      return null;
    }
  }

  /** The proxy the JVM names for the first of {@code endpoints} that has one, or {@code null}. */
  static String ofAny(Collection<URI> endpoints) {
    for (URI endpoint : endpoints) {
      String proxy;
      try {
        proxy = of(EtcdAddress.of(endpoint));
      } catch (RuntimeException e) {
        continue;
      }
      if (proxy != null) {
        return proxy;
      }
    }
    return null;
  }
}
