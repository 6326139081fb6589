package io.sluice.controlplane.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.Client;
import io.sluice.etcd.EtcdAddress;
import io.sluice.testing.etcd.EtcdExtension;
import io.sluice.testing.logging.LogCapture;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The start's warm-up against a real etcd. */
class EtcdWarmUpIT {

  @RegisterExtension static final EtcdExtension etcd = new EtcdExtension();

  /**
   * The etcd deadline of a warm-up that must not give up: the answer ends it at once, and a first
   * call in a cold JVM on a loaded machine can take seconds.
   */
  private static final Duration AMPLE = Duration.ofSeconds(10);

  /** The etcd deadline of a warm-up that must give up. */
  private static final Duration TIMEOUT = Duration.ofSeconds(2);

  /**
   * etcd answers the warm-up's read while the probe still waits on an address that accepts and says
   * nothing (as an etcd still starting does): the warm-up takes the answer. It gave up on it,
   * warning that etcd did not answer, because no probed address had.
   */
  @Test
  void takesAnAnswerThatCameWhileTheProbeFoundNothing() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        LogCapture log = LogCapture.of(EtcdWarmUp.class);
        Client client = client(AMPLE)) {
      // the probe would wait on the silent address until the warm-up's deadline; etcd's answer
      // ends it at once
      EtcdWarmUp warmUp = warmUp(client, AMPLE, silent.getLocalPort(), new StartFindings());
      // etcd answers only once the probe waits on the silent address
      etcd.server().freeze();
      Thread thawWhenProbed =
          new Thread(
              () -> {
                try (Socket probing = silent.accept();
                    InputStream in = probing.getInputStream()) {
                  etcd.server().thaw();
                  in.readAllBytes(); // says nothing until the probe gives up on it
                } catch (IOException ignored) {
                  // the test ends
                } finally {
                  etcd.server().thaw();
                }
              },
              "thaw-when-probed");
      thawWhenProbed.setDaemon(true);
      thawWhenProbed.start();

      warmUp.start();

      assertThat(etcd.server().isFrozen()).as("the probe reached the silent address").isFalse();
      assertThat(log.messages())
          .singleElement()
          .satisfies(message -> assertThat(message).startsWith("connected to etcd"));
    }
  }

  /**
   * A frozen etcd (SIGSTOP) keeps the read waiting while the probed address answers the preface, as
   * an etcd without a quorum does: the warm-up stops waiting after the etcd deadline (it waited 60
   * s), but leaves the read to finish, and when etcd serves it after all the log says so, which
   * tells a slow etcd from one that serves no reads. Neither line is a warning: a slow first call
   * on a busy machine looks the same, and was warned of as a missing quorum at every start.
   */
  @Test
  void logsAReadServedAfterItStoppedWaiting() throws Exception {
    StartFindings start = new StartFindings();
    try (UnansweringEndpoint answering = UnansweringEndpoint.settingsOnly();
        LogCapture log = LogCapture.of(EtcdWarmUp.class);
        Client client = client(TIMEOUT)) {
      EtcdWarmUp warmUp = warmUp(client, TIMEOUT, answering.port(), start);
      etcd.server().freeze();
      try {
        warmUp.start();
        assertThat(start.found().verdict())
            .isEqualTo(
                "etcd answered at its endpoints but did not serve a read within 2000 ms: a slow"
                    + " first call, or no quorum?");
      } finally {
        etcd.server().thaw();
      }
      await("the late answer logged")
          .atMost(Duration.ofSeconds(15))
          .until(log::messages, messages -> messages.size() == 2);
      assertThat(log.messages().get(1)).startsWith("etcd served the start's read after all");
      // a slow read is no cause for alarm: nothing was said as a warning
      assertThat(log.warnings()).isEmpty();
    }
  }

  /** A client of the real etcd, as the control plane makes it, with deadline {@code timeout}. */
  private static Client client(Duration timeout) throws SSLException {
    return PlainEtcdSettings.client(List.of(etcd.endpoint()), timeout);
  }

  /**
   * The warm-up of {@code client}, which probes the loopback {@code probedPort} in etcd's place.
   */
  private static EtcdWarmUp warmUp(
      Client client, Duration timeout, int probedPort, StartFindings findings) {
    EtcdGateway gateway = TestGateways.on(client, timeout);
    return new EtcdWarmUp(
        client,
        gateway,
        new EndpointProbe(List.of(new EtcdAddress("127.0.0.1", probedPort, true)), timeout),
        findings);
  }
}
