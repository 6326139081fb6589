package io.sluice.javaagent.it;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Loopback ports for tests that need a target nobody listens on. */
final class LoopbackPorts {

  private LoopbackPorts() {}

  /** A loopback port that was free a moment ago and is closed again: connections are refused. */
  static int refused() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
