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
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
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

  private static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  private static final MethodDescriptor<byte[], byte[]> RANGE =
      MethodDescriptor.<byte[], byte[]>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName("etcdserverpb.KV/Range")
          .setRequestMarshaller(BYTES)
          .setResponseMarshaller(BYTES)
          .build();

  @Test
  void aConnectProxysRefusalIsAnAnswerFromSomethingThatIsNotEtcd() throws Exception {
    AtomicInteger connects = new AtomicInteger();
    try (ServerSocket proxy = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread answering = new Thread(() -> refuseEveryConnect(proxy, connects), "connect-proxy");
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

        assertThat(connects.get()).as("CONNECTs the proxy refused").isPositive();
        assertThat(failed.getStatus().getCode().name()).isEqualTo("UNAVAILABLE");
        for (Throwable t = failed; t != null; t = t.getCause())
          assertThat(EtcdRefusal.refusedAccess(failed)).isFalse();
        assertThat(EtcdRefusal.notEtcd(failed, List.of(ENDPOINT)))
            .isEqualTo(
                "etcd at http://127.0.0.1:2379 answered with HTTP 407 from something that is not"
                    + " etcd (the HTTP proxy it is reached through refused CONNECT)");
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

  /** Answers every {@code CONNECT} with 407 until {@code proxy} is closed. */
  private static void refuseEveryConnect(ServerSocket proxy, AtomicInteger connects) {
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
            ("HTTP/1.1 407 Proxy Authentication Required\r\n"
                    + "Proxy-Authenticate: Basic realm=\"proxy\"\r\n"
                    + "Content-Length: 0\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
      } catch (IOException closedOrGone) {
        // closed at the end of the test, or a client that went away: next
      }
    }
  }
}
