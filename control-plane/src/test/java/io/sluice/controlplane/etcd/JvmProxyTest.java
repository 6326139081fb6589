package io.sluice.controlplane.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.internal.GrpcUtil;
import io.sluice.etcd.EtcdAddress;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.util.List;
import java.util.function.Function;
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

  /**
   * A selector that throws, or answers nothing, makes gRPC's own proxy detector fail, and the
   * client leaves the endpoint out: JvmProxy took it as dialled directly, so the probe and the
   * hints spoke of a direct connection the client never makes.
   */
  @Test
  void anEndpointTheSelectorGivesNoAnswerForIsLeftOutAsGrpcLeavesIt() {
    List<Function<URI, List<Proxy>>> broken =
        List.of(
            uri -> {
              throw new IllegalStateException("no proxy configuration yet");
            },
            uri -> List.of(),
            uri -> null);
    for (Function<URI, List<Proxy>> selector : broken) {
      JvmProxy.Route route = withSelector(selector, () -> JvmProxy.route(ETCD));
      boolean grpcFails = withSelector(selector, JvmProxyTest::grpcsDetectorFails);

      assertThat(grpcFails).as("gRPC's detector fails").isTrue();
      assertThat(route.direct()).as("dialled directly").isFalse();
      assertThat(route.proxy()).isNull();
      assertThat(route.leftOut()).contains("the JVM's ProxySelector");
    }
    // and a plain answer is what gRPC's detector makes of it
    assertThat(withSelector(uri -> List.of(Proxy.NO_PROXY), () -> JvmProxy.route(ETCD).direct()))
        .isTrue();
    assertThat(withSelector(uri -> List.of(Proxy.NO_PROXY), JvmProxyTest::grpcsDetectorFails))
        .isFalse();
  }

  /** Whether gRPC's default proxy detector, the client's, fails for {@link #ETCD}. */
  private static boolean grpcsDetectorFails() {
    try {
      GrpcUtil.DEFAULT_PROXY_DETECTOR.proxyFor(
          InetSocketAddress.createUnresolved(ETCD.host(), ETCD.port()));
      return false;
    } catch (IOException | RuntimeException e) {
      return true;
    }
  }

  private static Proxy http(String host, int port) {
    return new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved(host, port));
  }

  private static String withSelector(List<Proxy> answer, java.util.function.Supplier<String> call) {
    return withSelector(uri -> answer, call);
  }

  private static <T> T withSelector(
      Function<URI, List<Proxy>> answer, java.util.function.Supplier<T> call) {
    ProxySelector previous = ProxySelector.getDefault();
    ProxySelector.setDefault(
        new ProxySelector() {
          @Override
          public List<Proxy> select(URI uri) {
            return answer.apply(uri);
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
