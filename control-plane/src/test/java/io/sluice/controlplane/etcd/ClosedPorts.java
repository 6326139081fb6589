package io.sluice.controlplane.etcd;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Loopback ports nothing listens on, for endpoints whose connections must be refused. */
final class ClosedPorts {

  private ClosedPorts() {}

  /** A loopback port that was free a moment ago and is closed again. */
  static int any() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
