package io.sluice.testing.net;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.BindException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
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
}
