package io.sluice.testing.etcd;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/**
 * Loopback ports nothing listens on, for an etcd endpoint whose connections are refused: a real
 * endpoint that refuses, with no server to stop and no timeout to wait for. Shared by every
 * module's tests.
 */
public final class ClosedPorts {

  private ClosedPorts() {}

  /** A loopback port that was free a moment ago and is closed again. */
  public static int any() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free loopback port", e);
    }
  }
}
