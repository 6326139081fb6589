package io.sluice.controlplane.etcd;

import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.sluice.etcd.Causes;

/**
 * The gRPC status a failed etcd call carries, as {@link Status#fromThrowable} finds it, but read
 * through {@link Causes}: gRPC's own walk follows causes until one has none, and never returns from
 * a chain that loops.
 */
final class GrpcStatuses {

  private GrpcStatuses() {}

  /**
   * The status of the first {@link StatusException} or {@link StatusRuntimeException} among {@code
   * failure} and its causes; {@code UNKNOWN} (with {@code failure} as its cause) when there is
   * none, or when {@code failure} is {@code null}.
   */
  static Status of(Throwable failure) {
    for (Throwable t : Causes.of(failure)) {
      if (t instanceof StatusException status) {
        return status.getStatus();
      }
      if (t instanceof StatusRuntimeException status) {
        return status.getStatus();
      }
    }
    return Status.UNKNOWN.withCause(failure);
  }
}
