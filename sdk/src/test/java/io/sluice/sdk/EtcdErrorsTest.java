package io.sluice.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdExceptionFactory;
import io.grpc.Status;
import java.net.ConnectException;
import java.util.concurrent.CompletionException;
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
  void findsALostConnectionFromEtcdGrpcOrTheSocketAnyCauseDeep() {
    Throwable etcdUnavailable =
        new CompletionException(
            EtcdExceptionFactory.newEtcdException(ErrorCode.UNAVAILABLE, "connection lost"));
    Throwable grpcUnavailable =
        new ExecutionException(
            Status.UNAVAILABLE.withDescription("io exception").asRuntimeException());
    Throwable refused =
        new ExecutionException(
            new RuntimeException("wrapped", new ConnectException("Connection refused")));

    assertThat(EtcdErrors.isConnectionProblem(etcdUnavailable)).isTrue();
    assertThat(EtcdErrors.isConnectionProblem(grpcUnavailable)).isTrue();
    assertThat(EtcdErrors.isConnectionProblem(refused)).isTrue();
    assertThat(
            EtcdErrors.isConnectionProblem(
                EtcdExceptionFactory.newEtcdException(
                    ErrorCode.PERMISSION_DENIED, "etcdserver: permission denied")))
        .as("a refusal is no lost connection")
        .isFalse();
    assertThat(
            EtcdErrors.isConnectionProblem(
                Status.INVALID_ARGUMENT.withDescription("bad revision").asRuntimeException()))
        .isFalse();
    assertThat(EtcdErrors.isConnectionProblem(new IllegalStateException("the watch stream ended")))
        .isFalse();
  }

  @Test
  void findsACompactionAnyCauseDeepWithItsRevision() {
    Throwable compacted =
        new CompletionException(
            new RuntimeException("wrapped", EtcdExceptionFactory.newCompactedException(42)));

    CompactedException found = EtcdErrors.compaction(compacted);

    assertThat(found).isNotNull();
    assertThat(found.getCompactedRevision()).isEqualTo(42);
    assertThat(
            EtcdErrors.compaction(
                EtcdExceptionFactory.newEtcdException(ErrorCode.UNAVAILABLE, "connection lost")))
        .isNull();
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
    assertThat(EtcdErrors.isConnectionProblem(wrapper)).isFalse();
    assertThat(EtcdErrors.compaction(wrapper)).isNull();
    assertThat(EtcdErrors.rootMessage(wrapper)).isEqualTo("TimeoutException: deadline");
  }
}
