package io.sluice.controlplane.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.internal.GrpcUtil;
import io.sluice.etcd.EtcdAddress;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.time.Duration;
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
                List.of(Proxy.NO_PROXY, http("proxy.internal", 3128)), JvmProxyTest::proxyOfEtcd))
        .isNull();
  }

  @Test
  void namesTheFirstProxyWhateverItsType() throws Exception {
    assertThat(
            withSelector(
                List.of(
                    new Proxy(
                        Proxy.Type.SOCKS,
                        new InetSocketAddress(
                            InetAddress.getByAddress("socks.internal", new byte[] {10, 0, 0, 2}),
                            1080)),
                    http("proxy.internal", 3128)),
                JvmProxyTest::proxyOfEtcd))
        .isEqualTo("socks.internal:1080");
  }

  @Test
  void namesAnHttpProxy() {
    assertThat(withSelector(List.of(http("proxy.internal", 3128)), JvmProxyTest::proxyOfEtcd))
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

  /**
   * A proxy named by a host name that does not resolve: gRPC's detector looks the name up, fails,
   * and the client leaves the endpoint out (dialled neither through the proxy nor around it).
   * JvmProxy reported it as dialled through the proxy. A name that resolves is still a proxy.
   */
  @Test
  void aProxyWhoseNameDoesNotResolveLeavesTheEndpointOutAsGrpcDoes() {
    List<Proxy> unresolvable = List.of(unresolved("proxy.invalid", 3128));
    // the name's first lookup may take longer than a caller waits (the proxy is then in use)
    await("the proxy's name looked up")
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> withSelector(uri -> unresolvable, () -> JvmProxy.route(ETCD)).leftOut() != null);
    JvmProxy.Route route = withSelector(uri -> unresolvable, () -> JvmProxy.route(ETCD));

    assertThat(withSelector(uri -> unresolvable, JvmProxyTest::grpcsDetectorFails))
        .as("gRPC's detector fails")
        .isTrue();
    assertThat(route.proxy()).isNull();
    assertThat(route.direct()).as("dialled directly").isFalse();
    assertThat(route.leftOut())
        .isEqualTo(
            "the JVM's ProxySelector named the HTTP proxy proxy.invalid:3128, whose name does not"
                + " resolve");

    List<Proxy> resolvable = List.of(unresolved("localhost", 3128));
    assertThat(withSelector(uri -> resolvable, JvmProxyTest::grpcsDetectorFails)).isFalse();
    // likewise: until it answers, the route says the name is still being looked up
    await("the proxy's name looked up")
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> !withSelector(uri -> resolvable, () -> JvmProxy.route(ETCD)).nameBeingLookedUp());
    assertThat(withSelector(uri -> resolvable, () -> JvmProxy.route(ETCD)))
        .isEqualTo(new JvmProxy.Route("localhost:3128", null));
  }

  /** An IPv6 proxy is named with its address in brackets: its colons are not the port's. */
  @Test
  void namesAnIpv6ProxyInBrackets() throws Exception {
    Proxy address =
        new Proxy(Proxy.Type.HTTP, new InetSocketAddress(InetAddress.getByName("::1"), 3128));
    assertThat(withSelector(List.of(address), JvmProxyTest::proxyOfEtcd))
        .isEqualTo("[0:0:0:0:0:0:0:1]:3128");
    assertThat(withSelector(List.of(unresolved("::1", 3128)), JvmProxyTest::proxyOfEtcd))
        .isEqualTo("[::1]:3128");
  }

  /**
   * {@code host:port} of the HTTP proxy the JVM's selector names for {@link #ETCD}, or {@code null}
   * when it is dialled directly or left out.
   */
  private static String proxyOfEtcd() {
    return JvmProxy.route(ETCD).proxy();
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

  /** An HTTP proxy named {@code host}, at an address the selector gives (no lookup). */
  private static Proxy http(String host, int port) {
    try {
      return new Proxy(
          Proxy.Type.HTTP,
          new InetSocketAddress(InetAddress.getByAddress(host, new byte[] {10, 0, 0, 1}), port));
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  /** An HTTP proxy named {@code host}, which gRPC's detector looks up. */
  private static Proxy unresolved(String host, int port) {
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
