package io.sluice.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.grpc.CallOptions;
import io.grpc.HttpConnectProxiedSocketAddress;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.sluice.testing.etcd.BytesMarshaller;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A CONNECT proxy between a gRPC client and etcd that refuses to open the tunnel: a real gRPC
 * channel dials a real HTTP proxy on loopback, which answers {@code CONNECT} with 407. gRPC says so
 * as {@code UNAVAILABLE} with Netty's {@code status: 407} in the cause, which read as etcd being
 * down; the proxy's answer is what to fix.
 */
class EtcdRefusalConnectProxyTest {

  private static final URI ENDPOINT = URI.create("http://127.0.0.1:2379");

  private static final MethodDescriptor<byte[], byte[]> RANGE =
      MethodDescriptor.<byte[], byte[]>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName("etcdserverpb.KV/Range")
          .setRequestMarshaller(BytesMarshaller.INSTANCE)
          .setResponseMarshaller(BytesMarshaller.INSTANCE)
          .build();

  @Test
  void aConnectProxysRefusalIsAnAnswerFromSomethingThatIsNotEtcd() throws Exception {
    StatusRuntimeException failed =
        callThroughAProxyAnswering(
            "407 Proxy Authentication Required", "Proxy-Authenticate: Basic realm=\"proxy\"\r\n");

    assertThat(failed.getStatus().getCode().name()).isEqualTo("UNAVAILABLE");
    assertThat(EtcdRefusal.refusedAccess(failed)).isFalse();
    assertThat(EtcdRefusal.proxyCouldNotReachEtcd(failed)).isFalse();
    assertThat(EtcdRefusal.tunnelRefused(failed)).isTrue();
    assertThat(EtcdRefusal.notEtcd(failed, List.of(ENDPOINT)))
        .isEqualTo(
            "etcd at http://127.0.0.1:2379 answered with HTTP 407 from something that is not"
                + " etcd (the HTTP proxy it is reached through refused CONNECT)");
  }

  /**
   * A CONNECT proxy that could not reach etcd answers the CONNECT with a 5xx (Squid's 503 for a
   * refused or failed connection, 502 Bad Gateway, 504 Gateway Timeout): etcd is down or cut off
   * behind it, an outage to wait out, not a refusal of the proxy's to fix. It was said as the proxy
   * refusing CONNECT. {@code unreachableBehindProxy} says which proxy answered what, for the
   * outage's warning: without it, that warning named only gRPC's {@code status: 502 Bad Gateway} in
   * Netty's words, or the first failure of the outage ({@code Network closed for unknown reason})
   * and never the proxy's 502.
   */
  @Test
  void aConnectProxyThatCouldNotReachEtcdIsAnOutageBehindIt() throws Exception {
    for (String status :
        List.of("503 Service Unavailable", "502 Bad Gateway", "504 Gateway Timeout")) {
      StatusRuntimeException failed = callThroughAProxyAnswering(status, "");

      assertThat(failed.getStatus().getCode().name()).as(status).isEqualTo("UNAVAILABLE");
      assertThat(EtcdRefusal.refusedAccess(failed)).as(status).isFalse();
      assertThat(EtcdRefusal.notEtcd(failed, List.of(ENDPOINT))).as(status).isNull();
      assertThat(EtcdRefusal.proxyCouldNotReachEtcd(failed)).as(status).isTrue();
      assertThat(EtcdRefusal.tunnelRefused(failed)).as(status).isFalse();
      assertThat(EtcdRefusal.tunnelFailedBehindProxy(failed)).as(status).isTrue();
      assertThat(EtcdRefusal.unreachableBehindProxy(failed, List.of(ENDPOINT)))
          .as(status)
          .isEqualTo(
              "etcd at http://127.0.0.1:2379 answered with HTTP "
                  + status.substring(0, 3)
                  + " from the HTTP proxy it is reached through, which could not reach etcd"
                  + " (etcd down or cut off behind the proxy: an outage)");
    }
  }

  /** A CONNECT proxy's 4xx is its refusal to fix, not an outage behind it. */
  @Test
  void aConnectProxysRefusalIsNoOutageBehindIt() throws Exception {
    StatusRuntimeException failed = callThroughAProxyAnswering("403 Forbidden", "");

    assertThat(EtcdRefusal.tunnelFailedBehindProxy(failed)).isFalse();

    assertThat(EtcdRefusal.unreachableBehindProxy(failed, List.of(ENDPOINT))).isNull();
    assertThat(EtcdRefusal.notEtcd(failed, List.of(ENDPOINT))).contains("HTTP 403");
  }

  /**
   * How a real gRPC call to etcd fails through a loopback CONNECT proxy that answers every {@code
   * CONNECT} with {@code status} (and {@code headers}, each ending with CRLF).
   */
  private static StatusRuntimeException callThroughAProxyAnswering(String status, String headers)
      throws Exception {
    AtomicInteger connects = new AtomicInteger();
    try (ServerSocket proxy = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread answering =
          new Thread(() -> answerEveryConnect(proxy, status, headers, connects), "connect-proxy");
      answering.setDaemon(true);
      answering.start();
      ManagedChannel channel =
          NettyChannelBuilder.forTarget("127.0.0.1:2379")
              .usePlaintext()
              .proxyDetector(
                  target ->
                      HttpConnectProxiedSocketAddress.newBuilder()
                          .setProxyAddress(proxy.getLocalSocketAddress())
                          .setTargetAddress((InetSocketAddress) target)
                          .build())
              .build();
      try {
        StatusRuntimeException failed =
            catchThrowableOfType(
                StatusRuntimeException.class,
                () ->
                    ClientCalls.blockingUnaryCall(
                        channel,
                        RANGE,
                        CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS),
                        new byte[0]));
        assertThat(connects.get()).as("CONNECTs the proxy answered " + status).isPositive();
        return failed;
      } finally {
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void aGrpcMessageThatMerelyMentionsAStatusIsNoProxyAnswer() {
    Exception etcd =
        io.grpc.Status.UNAVAILABLE
            .withDescription("etcdserver: leader changed, status: 503 retry")
            .asRuntimeException();
    assertThat(EtcdRefusal.notEtcd(etcd, List.of(ENDPOINT))).isNull();
  }

  /** Answers every {@code CONNECT} with {@code status} until {@code proxy} is closed. */
  private static void answerEveryConnect(
      ServerSocket proxy, String status, String headers, AtomicInteger connects) {
    while (!proxy.isClosed()) {
      try (Socket client = proxy.accept()) {
        client.setSoTimeout(10_000);
        InputStream in = client.getInputStream();
        // the request line and headers end with an empty line
        int state = 0;
        while (state < 4) {
          int b = in.read();
          if (b < 0) {
            break;
          }
          state = (b == '\r' && state % 2 == 0) || (b == '\n' && state % 2 == 1) ? state + 1 : 0;
        }
        connects.incrementAndGet();
        OutputStream out = client.getOutputStream();
        out.write(
            ("HTTP/1.1 " + status + "\r\n" + headers + "Content-Length: 0\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
      } catch (IOException closedOrGone) {
        // closed at the end of the test, or a client that went away: next
      }
    }
  }
}
