package io.sluice.sdk.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import org.junit.jupiter.api.Test;

class TcpProxyTest {

  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  /**
   * Cut, the proxy refuses connections and keeps its port from other sockets, so that it can accept
   * on it again: the build's other processes, started on free ports meanwhile, could be given a
   * port it had let go, and its reconnect would fail.
   */
  @Test
  void keepsItsPortWhileDisconnectedAndAcceptsOnItAgain() throws IOException {
    try (ServerSocket target = new ServerSocket(0, 50, LOOPBACK);
        TcpProxy proxy = TcpProxy.to(target.getLocalPort())) {
      proxy.disconnect();

      try (Socket other = new Socket()) {
        assertThatThrownBy(() -> other.bind(new InetSocketAddress(LOOPBACK, proxy.port())))
            .isInstanceOf(BindException.class);
      }
      assertThatThrownBy(() -> new Socket(LOOPBACK, proxy.port()).close())
          .isInstanceOf(ConnectException.class);

      proxy.reconnect();
      try (Socket client = new Socket(LOOPBACK, proxy.port());
          Socket reached = target.accept()) {
        client.getOutputStream().write('x');
        client.getOutputStream().flush();
        assertThat(reached.getInputStream().read()).isEqualTo('x');
      }
    }
  }
}
