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
import java.util.List;
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
      ProxyDetector throughTheProxy =
          target ->
              HttpConnectProxiedSocketAddress.newBuilder()
                  .setProxyAddress(
                      new InetSocketAddress(InetAddress.getLoopbackAddress(), proxy.port()))
                  .setTargetAddress((InetSocketAddress) target)
                  .build();

      assertThat(read("/proxied", throughTheProxy)).isEqualTo("through the proxy");
      assertThat(proxy.connects()).containsOnly("127.0.0.1:" + etcd.server().port()).isNotEmpty();
    }
  }

  @Test
  void dialsEtcdDirectlyWhereNoProxyApplies() throws Exception {
    etcd.server().put("/direct", "straight to etcd");
    try (ConnectProxy proxy = ConnectProxy.tunnelling()) {
      assertThat(read("/direct", target -> null)).isEqualTo("straight to etcd");
      assertThat(proxy.connects()).isEmpty();
    }
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
