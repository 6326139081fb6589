package io.sluice.controlplane.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.etcd.EtcdAddress;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * JvmProxy names the proxy gRPC's proxy detector dials an endpoint through: the first one the JVM's
 * selector lists, whatever its type, and none when that first one is {@code DIRECT}. It looked for
 * any HTTP proxy in the list, so it named a proxy for an endpoint gRPC dials directly and none for
 * one gRPC tunnels through a proxy the selector calls SOCKS.
 */
class JvmProxyTest {

  private static final EtcdAddress ETCD = new EtcdAddress("etcd.internal", 2379, true);

  @Test
  void namesNoProxyWhenTheSelectorsFirstAnswerIsDirect() {
    assertThat(
            withSelector(
                List.of(Proxy.NO_PROXY, http("proxy.internal", 3128)), () -> JvmProxy.of(ETCD)))
        .isNull();
  }

  @Test
  void namesTheFirstProxyWhateverItsType() {
    assertThat(
            withSelector(
                List.of(
                    new Proxy(
                        Proxy.Type.SOCKS,
                        InetSocketAddress.createUnresolved("socks.internal", 1080)),
                    http("proxy.internal", 3128)),
                () -> JvmProxy.of(ETCD)))
        .isEqualTo("socks.internal:1080");
  }

  @Test
  void namesAnHttpProxy() {
    assertThat(withSelector(List.of(http("proxy.internal", 3128)), () -> JvmProxy.of(ETCD)))
        .isEqualTo("proxy.internal:3128");
  }

  private static Proxy http(String host, int port) {
    return new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved(host, port));
  }

  private static String withSelector(List<Proxy> answer, java.util.function.Supplier<String> call) {
    ProxySelector previous = ProxySelector.getDefault();
    ProxySelector.setDefault(
        new ProxySelector() {
          @Override
          public List<Proxy> select(URI uri) {
            return answer;
          }

          @Override
          public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {}
        });
    try {
      return call.get();
    } finally {
      ProxySelector.setDefault(previous);
    }
  }
}
