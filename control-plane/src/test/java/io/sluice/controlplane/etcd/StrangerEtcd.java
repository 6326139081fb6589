package io.sluice.controlplane.etcd;

import io.sluice.testing.net.HeldPort;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A real etcd of no control plane's, named {@code stranger}, for tests of what the control plane
 * does when another etcd takes its embedded etcd's client port.
 */
public final class StrangerEtcd {

  private StrangerEtcd() {}

  /** Starts it on {@code clientPort}, with its data and log in {@code dir}. */
  public static Process start(Path dir, int clientPort) throws IOException {
    // held while the stranger runs (it listens beside the holding socket): a port found free and
    // let go at once could be given to another process of the build before etcd binds it
    HeldPort peer = HeldPort.any();
    int peerPort = peer.port();
    ProcessBuilder builder =
        new ProcessBuilder(
                EmbeddedEtcd.find(System.getenv().getOrDefault("PATH", "")),
                "--name=stranger",
                "--data-dir=" + dir.resolve("data"),
                "--listen-client-urls=http://127.0.0.1:" + clientPort,
                "--advertise-client-urls=http://127.0.0.1:" + clientPort,
                "--listen-peer-urls=http://127.0.0.1:" + peerPort,
                "--initial-advertise-peer-urls=http://127.0.0.1:" + peerPort,
                "--initial-cluster=stranger=http://127.0.0.1:" + peerPort,
                "--log-level=warn")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("etcd.log").toFile());
    String arch = System.getProperty("os.arch");
    builder.environment().put("ETCD_UNSUPPORTED_ARCH", "aarch64".equals(arch) ? "arm64" : arch);
    try {
      Process stranger = builder.start();
      stranger.onExit().thenRun(peer::close);
      return stranger;
    } catch (IOException | RuntimeException e) {
      peer.close();
      throw e;
    }
  }
}
