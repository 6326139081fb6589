package io.sluice.controlplane.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A failed call's gRPC status, found as gRPC finds it, on any chain of causes. */
class GrpcStatusesTest {

  @Test
  void theFirstStatusAmongTheCausesIsTheCallsStatus() {
    StatusRuntimeException denied =
        Status.PERMISSION_DENIED
            .withDescription("etcdserver: permission denied")
            .asRuntimeException();
    Throwable failure =
        new CompletionException(new ExecutionException(denied.getStatus().asException()));

    assertThat(GrpcStatuses.of(failure).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(GrpcStatuses.of(failure).getDescription())
        .isEqualTo("etcdserver: permission denied");
    assertThat(GrpcStatuses.of(denied)).isSameAs(denied.getStatus());
  }

  @Test
  void aFailureWithoutAStatusIsUnknownWithTheFailureAsItsCause() {
    IllegalStateException refused = new IllegalStateException("the embedded etcd is not running");

    assertThat(GrpcStatuses.of(refused).getCode()).isEqualTo(Status.Code.UNKNOWN);
    assertThat(GrpcStatuses.of(refused).getCause()).isSameAs(refused);
    assertThat(GrpcStatuses.of(null).getCode()).isEqualTo(Status.Code.UNKNOWN);
  }

  /** gRPC's {@code Status.fromThrowable} never returns from this chain. */
  @Test
  @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void aChainThatLoopsWithoutAStatusIsUnknown() {
    IllegalStateException first = new IllegalStateException("first");
    RuntimeException second = new RuntimeException("second", first);
    first.initCause(second);

    assertThat(GrpcStatuses.of(first).getCode()).isEqualTo(Status.Code.UNKNOWN);
  }
}
