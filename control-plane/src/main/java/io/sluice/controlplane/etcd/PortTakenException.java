package io.sluice.controlplane.etcd;

/**
 * The embedded etcd exited at start because another process had taken {@link #port()}: its start
 * tries new ports, its restart a new peer port or, for its client port, the same one later ({@link
 * LoopbackPorts#taken}).
 */
final class PortTakenException extends IllegalStateException {
  private static final long serialVersionUID = 1L;
  private final int port;

  PortTakenException(int port, String message) {
    super(message);
    this.port = port;
  }

  int port() {
    return port;
  }
}
