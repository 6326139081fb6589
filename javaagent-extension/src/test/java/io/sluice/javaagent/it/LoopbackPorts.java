package io.sluice.javaagent.it;

import io.sluice.testing.net.RefusedPorts;
import java.net.InetAddress;

/** Loopback ports for tests that need a target nobody listens on. */
final class LoopbackPorts {

  private LoopbackPorts() {}

  /**
   * A loopback port whose connections are refused, and which no other process is given while this
   * JVM runs ({@link RefusedPorts}).
   */
  static int refused() {
    return RefusedPorts.any();
  }

  /** As {@link #refused()}, on the loopback address {@code address} ({@code ::1}, say). */
  static int refused(InetAddress address) {
    return RefusedPorts.on(address);
  }
}
