package io.sluice.controlplane.etcd;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Loopback ports for the embedded etcd: free ones the system gives for its start, and which of them
 * another process had taken when etcd exited at start (its log says so, or the port cannot be bound
 * now). {@link EmbeddedEtcd} then starts it again on new ports, or waits for its client port.
 */
final class LoopbackPorts {

  private LoopbackPorts() {}

  /**
   * Which of its ports the etcd that exited at start found taken; {@code null} if none. Its log
   * ({@code log}) since {@code logStart} says it first ("listen tcp 127.0.0.1:PORT: bind: address
   * already in use"); failing that (a log unreadable, or worded otherwise by another etcd version),
   * a port this process cannot bind now that etcd has exited is taken.
   */
  static PortTakenException taken(Path log, long logStart, int clientPort, int peerPort) {
    String written = logSince(log, logStart);
    if (written.contains("address already in use")) {
      for (int port : new int[] {clientPort, peerPort}) {
        if (written.contains("127.0.0.1:" + port + ": bind: address already in use")) {
          return taken(port, clientPort);
        }
      }
    }
    for (int port : new int[] {clientPort, peerPort}) {
      if (!bindable(port)) {
        return taken(port, clientPort);
      }
    }
    return null;
  }

  private static PortTakenException taken(int port, int clientPort) {
    String which = port == clientPort ? "client" : "peer";
    return new PortTakenException(
        port,
        "the embedded etcd could not listen on its "
            + which
            + " port "
            + port
            + ": another process has taken it");
  }

  /** What etcd wrote to its log since {@code logStart} (at most 1 MiB); empty if unreadable. */
  private static String logSince(Path log, long logStart) {
    try (FileChannel channel = FileChannel.open(log)) {
      ByteBuffer bytes =
          ByteBuffer.allocate((int) Math.max(0, Math.min(channel.size() - logStart, 1 << 20)));
      channel.read(bytes, logStart);
      return new String(bytes.array(), 0, bytes.position(), StandardCharsets.UTF_8);
    } catch (IOException unreadable) {
      return "";
    }
  }

  /**
   * Whether a listener could be bound to {@code port} on loopback now, as etcd binds it (Go sets
   * {@code SO_REUSEADDR}, so connections of an earlier etcd left in {@code TIME_WAIT} do not
   * count).
   */
  static boolean bindable(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress("127.0.0.1", port));
      return true;
    } catch (IOException taken) {
      return false;
    }
  }

  static int freePortBut(int other) throws IOException {
    int port;
    do {
      port = freePort();
    } while (port == other);
    return port;
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress("127.0.0.1", 0));
      return socket.getLocalPort();
    }
  }
}
