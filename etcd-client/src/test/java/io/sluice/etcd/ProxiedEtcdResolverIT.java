package io.sluice.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.grpc.HttpConnectProxiedSocketAddress;
import io.grpc.ManagedChannel;
import io.grpc.ProxyDetector;
import io.grpc.netty.NettyChannelBuilder;
import io.sluice.testing.etcd.ConnectProxy;
import io.sluice.testing.etcd.EtcdExtension;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The {@code sluice-etcd:///} target against a real etcd, with and without a real {@code CONNECT}
 * proxy on loopback: the channel's proxy detector (the JVM's {@code ProxySelector} by default)
 * decides, where jetcd's {@code ip:///} never asked it and always dialled etcd directly.
 */
class ProxiedEtcdResolverIT {

  @RegisterExtension static final EtcdExtension etcd = new EtcdExtension();

  @Test
  void dialsEtcdThroughTheProxyTheChannelsProxyDetectorNames() throws Exception {
    etcd.server().put("/proxied", "through the proxy");
    try (ConnectProxy proxy = ConnectProxy.tunnelling()) {
      ProxyDetector throughTheProxy = target -> through(proxy, target);

      assertThat(read("/proxied", throughTheProxy)).isEqualTo("through the proxy");
      assertThat(proxy.connects()).containsOnly("127.0.0.1:" + etcd.server().port()).isNotEmpty();
    }
  }

  /**
   * The proxy detector names the proxy for every address but etcd's, as a {@code ProxySelector}
   * with etcd's host in {@code http.nonProxyHosts} does: the channel dials etcd directly, and the
   * proxy, which it would reach for any other answer, sees nothing.
   */
  @Test
  void dialsEtcdDirectlyWhereNoProxyApplies() throws Exception {
    etcd.server().put("/direct", "straight to etcd");
    InetSocketAddress etcdEndpoint =
        InetSocketAddress.createUnresolved("127.0.0.1", etcd.server().port());
    List<InetSocketAddress> asked = new CopyOnWriteArrayList<>();
    try (ConnectProxy proxy = ConnectProxy.tunnelling()) {
      ProxyDetector etcdExempted =
          target -> {
            asked.add((InetSocketAddress) target);
            return target.equals(etcdEndpoint) ? null : through(proxy, target);
          };

      assertThat(read("/direct", etcdExempted)).isEqualTo("straight to etcd");
      assertThat(asked).as("addresses the proxy detector was asked about").contains(etcdEndpoint);
      assertThat(proxy.connects()).isEmpty();
    }
  }

  /** {@code target} through {@code proxy}, as a proxy detector answers for a proxied address. */
  private static HttpConnectProxiedSocketAddress through(ConnectProxy proxy, SocketAddress target) {
    return HttpConnectProxiedSocketAddress.newBuilder()
        .setProxyAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), proxy.port()))
        .setTargetAddress((InetSocketAddress) target)
        .build();
  }

  /** The value of {@code key}, read over a channel to {@code sluice-etcd:///127.0.0.1:<port>}. */
  private static String read(String key, ProxyDetector proxyDetector) throws Exception {
    ManagedChannel channel =
        NettyChannelBuilder.forTarget(
                ProxiedEtcdResolverProvider.target(
                    List.of(new EtcdAddress("127.0.0.1", etcd.server().port(), true))))
            .proxyDetector(proxyDetector)
            .usePlaintext()
            .build();
    try {
      RangeResponse response =
          KVGrpc.newBlockingStub(channel)
              .withDeadlineAfter(20, TimeUnit.SECONDS)
              .range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).build());
      return response.getKvs(0).getValue().toStringUtf8();
    } finally {
      channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
  }
}
