package io.sluice.testing.net;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.BindException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import org.junit.jupiter.api.Test;

class RefusedPortsTest {

  @Test
  void refusesConnections() {
    int port = RefusedPorts.any();

    assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), port).close())
        .isInstanceOf(ConnectException.class);
  }

  /**
   * No other socket is bound to the port while the JVM runs: a port that was only free a moment ago
   * could be given to a server of another test, which would answer where a refusal is expected.
   */
  @Test
  void isGivenToNoOtherSocket() throws Exception {
    int port = RefusedPorts.any();

    try (Socket other = new Socket()) {
      assertThatThrownBy(
              () -> other.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port)))
          .isInstanceOf(BindException.class);
    }
  }

  /**
   * Nor is it on the IPv6 loopback: a test may name the port's host {@code localhost}, which a
   * client (gRPC) tries at each of its addresses, and a socket held on {@code 127.0.0.1} alone does
   * not keep {@code ::1} with the same port from another process.
   */
  @Test
  void isGivenToNoOtherSocketOnTheIpv6LoopbackEither() throws Exception {
    InetAddress ipv6 = InetAddress.getByName("::1");
    assumeTrue(NetworkInterface.getByInetAddress(ipv6) != null, "this system has no ::1");
    int port = RefusedPorts.any();

    try (Socket other = new Socket()) {
      assertThatThrownBy(() -> other.bind(new InetSocketAddress(ipv6, port)))
          .isInstanceOf(BindException.class);
    }
    assertThatThrownBy(() -> new Socket(ipv6, port).close()).isInstanceOf(ConnectException.class);
  }
}
