package io.sluice.testing.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testing.net.RefusedPorts;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@link ConnectProxy} answering as a real proxy does. */
class ConnectProxyTest {

  /**
   * A tunnel to a target nothing listens on (etcd stopped behind the proxy) was closed without an
   * answer, so a client could not tell it from a dropped connection; a real proxy answers 502.
   */
  @Test
  void answersBadGatewayWhenItCannotReachTheTarget() throws Exception {
    int refused = RefusedPorts.any();
    try (ConnectProxy proxy = ConnectProxy.tunnelling();
        Socket client = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
      client.setSoTimeout(20_000);
      String target = "127.0.0.1:" + refused;
      client
          .getOutputStream()
          .write(
              ("CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      client.getOutputStream().flush();
      BufferedReader answer =
          new BufferedReader(
              new InputStreamReader(client.getInputStream(), StandardCharsets.US_ASCII));

      assertThat(answer.readLine()).isEqualTo("HTTP/1.1 502 Bad Gateway");
      assertThat(proxy.connects()).containsExactly(target);
    }
  }
}
