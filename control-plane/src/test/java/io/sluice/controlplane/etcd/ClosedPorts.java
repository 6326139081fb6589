package io.sluice.controlplane.etcd;

import io.sluice.testing.net.RefusedPorts;

/** Loopback ports nothing listens on, for endpoints whose connections must be refused. */
final class ClosedPorts {

  private ClosedPorts() {}

  /**
   * A loopback port whose connections are refused, and which no other process is given while this
   * JVM runs ({@link RefusedPorts}).
   */
  static int any() {
    return RefusedPorts.any();
  }
}
