package io.sluice.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class EtcdErrorsTest {

  @Test
  void findsARequestTooLargeOrOverGrpcsLimitAnyCauseDeep() {
    Throwable tooLarge =
        new ExecutionException(
            Status.INVALID_ARGUMENT
                .withDescription("etcdserver: request is too large")
                .asRuntimeException());
    Throwable overLimit =
        new ExecutionException(
            Status.RESOURCE_EXHAUSTED
                .withDescription("gRPC message exceeds maximum size: 4194304 larger than max")
                .asRuntimeException());
    Throwable noSpace =
        new ExecutionException(
            Status.RESOURCE_EXHAUSTED
                .withDescription("etcdserver: mvcc: database space exceeded")
                .asRuntimeException());

    assertThat(EtcdErrors.isTooLarge(tooLarge)).isTrue();
    assertThat(EtcdErrors.isTooLarge(overLimit)).isTrue();
    assertThat(EtcdErrors.isTooLarge(noSpace)).as("a full database is not about size").isFalse();
  }

  @Test
  void findsALostLeaseAndNamesTheRootCause() {
    Throwable lost =
        new ExecutionException(
            new RuntimeException(
                "wrapped",
                Status.NOT_FOUND
                    .withDescription("etcdserver: requested lease not found")
                    .asRuntimeException()));

    assertThat(EtcdErrors.isLeaseNotFound(lost)).isTrue();
    assertThat(EtcdErrors.isLeaseNotFound(new IllegalStateException("closed"))).isFalse();
    assertThat(EtcdErrors.rootMessage(lost))
        .isEqualTo("StatusRuntimeException: NOT_FOUND: etcdserver: requested lease not found");
    assertThat(EtcdErrors.rootMessage(new IllegalStateException()))
        .isEqualTo("IllegalStateException");
  }

  @Test
  void findsACallsTimeoutAsTheRootCauseOnly() {
    assertThat(EtcdErrors.isTimeout(new TimeoutException())).isTrue();
    assertThat(EtcdErrors.isTimeout(new ExecutionException(new TimeoutException()))).isTrue();
    assertThat(
            EtcdErrors.isTimeout(
                new ExecutionException(
                    Status.UNAVAILABLE.withDescription("io exception").asRuntimeException())))
        .as("a refused connection is not a timeout")
        .isFalse();
  }

  @Test
  @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void aCauseChainThatLoopsIsReadToTheEnd() {
    TimeoutException timeout = new TimeoutException("deadline");
    ExecutionException wrapper = new ExecutionException(timeout);
    timeout.initCause(wrapper);

    assertThat(EtcdErrors.isTooLarge(wrapper)).isFalse();
    assertThat(EtcdErrors.isLeaseNotFound(wrapper)).isFalse();
    assertThat(EtcdErrors.isTimeout(wrapper)).isTrue();
    assertThat(EtcdErrors.rootMessage(wrapper)).isEqualTo("TimeoutException: deadline");
  }
}
