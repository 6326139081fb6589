package io.sluice.controlplane.etcd;

/**
 * The embedded etcd has no state directory it may use: none can be named ({@code sluice.state.dir}
 * unset, and the JVM knows no home, user name or user id), or the fallback under the temporary
 * directory is not this user's alone. Its message is the one line, naming {@code sluice.state.dir},
 * that the control plane prints before it exits ({@link StateDirectoryRefusedReporter}), not a
 * stack trace.
 */
final class StateDirectoryRefusedException extends IllegalStateException {

  private static final long serialVersionUID = 1L;

  StateDirectoryRefusedException(String message) {
    super(message);
  }
}
