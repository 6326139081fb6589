package io.sluice.controlplane.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import org.junit.jupiter.api.Test;

/** Which etcd failures are refusals for good and which are worth trying again. */
class EtcdRefusedExceptionTest {

  private static EtcdRefusedException of(Status.Code code, String description) {
    return EtcdRefusedException.of(
        Status.fromCode(code).withDescription(description).asRuntimeException(), "write");
  }

  @Test
  void sizesAndAFullDatabaseAreRefusalsForGood() {
    assertThat(of(Status.Code.INVALID_ARGUMENT, "etcdserver: request is too large").tooLarge())
        .isTrue();
    assertThat(
            of(Status.Code.RESOURCE_EXHAUSTED, "gRPC message exceeds maximum size 4194304: 5000000")
                .tooLarge())
        .isTrue();
    EtcdRefusedException full =
        of(Status.Code.RESOURCE_EXHAUSTED, "etcdserver: mvcc: database space exceeded");
    assertThat(full).isNotNull();
    assertThat(full.tooLarge()).isFalse();
    assertThat(of(Status.Code.INVALID_ARGUMENT, "etcdserver: key is not provided")).isNotNull();
  }

  @Test
  void aBacklogOrAnOutageIsWorthTryingAgain() {
    assertThat(of(Status.Code.RESOURCE_EXHAUSTED, "etcdserver: too many requests")).isNull();
    assertThat(of(Status.Code.UNAVAILABLE, "connection refused")).isNull();
    assertThat(of(Status.Code.DEADLINE_EXCEEDED, "deadline exceeded")).isNull();
  }
}
