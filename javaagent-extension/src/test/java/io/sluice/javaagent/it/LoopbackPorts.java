package io.sluice.javaagent.it;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Loopback ports for tests that need a target nobody listens on. */
final class LoopbackPorts {

  private LoopbackPorts() {}

  /** A loopback port that was free a moment ago and is closed again: connections are refused. */
  static int refused() throws IOException {
    return refused(InetAddress.getLoopbackAddress());
  }

  /** As {@link #refused()}, on the loopback address {@code address} ({@code ::1}, say). */
  static int refused(InetAddress address) throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, address)) {
      return socket.getLocalPort();
    }
  }
}
