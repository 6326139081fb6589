package io.sluice.controlplane.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.etcd.EtcdAddress;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Real sockets on loopback: one listening, one port nothing listens at. */
class EndpointProbeTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(2);

  @Test
  void aPortNothingListensAtIsRefused() throws IOException {
    EtcdAddress closed = new EtcdAddress("127.0.0.1", closedPort(), true);
    EndpointProbe probe = new EndpointProbe(List.of(closed), TIMEOUT);
    assertThat(probe.refusedEverywhere()).isTrue();
    assertThat(probe.targets()).isEqualTo(closed.target());
  }

  @Test
  void oneListeningEndpointAmongRefusedOnesIsNoRefusal() throws IOException {
    try (ServerSocket listening = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      EndpointProbe probe =
          new EndpointProbe(
              List.of(
                  new EtcdAddress("127.0.0.1", closedPort(), true),
                  new EtcdAddress("127.0.0.1", listening.getLocalPort(), true)),
              TIMEOUT);
      assertThat(probe.refusedEverywhere()).isFalse();
    }
  }

  @Test
  void aHostThatDoesNotResolveIsNoProofEtcdIsDown() {
    EndpointProbe probe =
        new EndpointProbe(List.of(new EtcdAddress("no-such-host.invalid", 2379, true)), TIMEOUT);
    assertThat(probe.refusedEverywhere()).isFalse();
  }

  /** A loopback port that was free a moment ago: nothing listens at it. */
  static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
