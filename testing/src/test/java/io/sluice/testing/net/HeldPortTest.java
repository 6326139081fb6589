package io.sluice.testing.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.BindException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import org.junit.jupiter.api.Test;

class HeldPortTest {

  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  /** A server started, stopped and started again on the port serves each time. */
  @Test
  void aServerListensOnItAgainAndAgain() throws Exception {
    try (HeldPort held = HeldPort.any()) {
      for (int start = 0; start < 2; start++) {
        try (ServerSocket server = new ServerSocket()) {
          server.bind(new InetSocketAddress(LOOPBACK, held.port()));
          try (Socket client = new Socket(LOOPBACK, held.port());
              Socket accepted = server.accept()) {
            assertThat(accepted.getPort()).isEqualTo(client.getLocalPort());
          }
        }
      }
    }
  }

  /**
   * While no server listens on the port (before the first start, between a stop and the next),
   * connections are refused and no other socket is bound to it: a port that was only free a moment
   * ago could be given to a server of another test, and the next start would fail.
   */
  @Test
  void isGivenToNoOtherSocketWhileNoServerListens() throws Exception {
    try (HeldPort held = HeldPort.any()) {
      try (ServerSocket server = new ServerSocket()) {
        server.bind(new InetSocketAddress(LOOPBACK, held.port()));
      }

      try (Socket other = new Socket()) {
        assertThatThrownBy(() -> other.bind(new InetSocketAddress(LOOPBACK, held.port())))
            .isInstanceOf(BindException.class);
      }
      assertThatThrownBy(() -> new Socket(LOOPBACK, held.port()).close())
          .isInstanceOf(ConnectException.class);
    }
  }

  /**
   * The port lies below the range the system hands to sockets asking for a free one: within it,
   * Linux gives a port held by non-listening sockets that allow address reuse to a socket asking
   * for a free one with address reuse, as every Java server socket does. Two held ports differ.
   */
  @Test
  void liesBelowTheSystemsRangeOfFreePortsAndIsHeldOnce() {
    try (HeldPort held = HeldPort.any();
        HeldPort another = HeldPort.any()) {
      assertThat(held.port()).isBetween(1024, LoopbackSockets.ephemeralLow() - 1);
      assertThat(another.port()).isNotEqualTo(held.port());
    }
  }

  /**
   * Nor on the IPv6 loopback: a socket held on {@code 127.0.0.1} alone does not keep another
   * process from binding {@code ::1} with the same port, and a server listening on every address
   * could then not start again on it. Such a server still listens on it, beside the held sockets.
   */
  @Test
  void isGivenToNoOtherSocketOnTheIpv6LoopbackEitherAndAServerListensOnEveryAddress()
      throws Exception {
    InetAddress ipv6 = InetAddress.getByName("::1");
    assumeTrue(NetworkInterface.getByInetAddress(ipv6) != null, "this system has no ::1");
    try (HeldPort held = HeldPort.any()) {
      try (Socket other = new Socket()) {
        assertThatThrownBy(() -> other.bind(new InetSocketAddress(ipv6, held.port())))
            .isInstanceOf(BindException.class);
      }

      try (ServerSocket server = new ServerSocket()) {
        server.bind(new InetSocketAddress(held.port()));
        try (Socket client = new Socket(ipv6, held.port());
            Socket accepted = server.accept()) {
          assertThat(accepted.getPort()).isEqualTo(client.getLocalPort());
        }
      }
    }
  }
}
