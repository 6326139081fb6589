package io.sluice.controlplane.etcd;

/**
 * Embedded mode was asked for (no {@code sluice.etcd.endpoints}) but no {@code etcd} binary is on
 * the {@code PATH}. Its message is the one line the control plane prints before it exits.
 */
public final class EtcdNotInstalledException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  static final String MESSAGE =
      "etcd not found on PATH: install it (Debian/Ubuntu: sudo apt-get install etcd-server;"
          + " macOS: brew install etcd) or point the control plane at an existing cluster with"
          + " --sluice.etcd.endpoints=http://host:2379";

  EtcdNotInstalledException() {
    super(MESSAGE, null, false, false);
  }
}
