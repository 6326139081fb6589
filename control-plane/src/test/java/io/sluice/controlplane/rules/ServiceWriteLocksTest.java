package io.sluice.controlplane.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.controlplane.etcd.EtcdUnavailableException;
import io.sluice.controlplane.etcd.TestEtcdFailures;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A write's turn tells it when a write ahead of it found etcd unavailable while it waited, and only
 * then: a write that comes after the failure, or waits behind a stop, goes to etcd itself.
 */
class ServiceWriteLocksTest {

  private final ServiceWriteLocks locks = new ServiceWriteLocks(Duration.ofSeconds(30));
  private final ExecutorService behind = Executors.newSingleThreadExecutor();

  @AfterEach
  void stop() {
    behind.shutdownNow();
  }

  @Test
  void aWriteWaitingWhenTheOneAheadFoundEtcdUnavailableIsToldWhatItFound() throws Exception {
    ServiceWriteLocks.Turn ahead = locks.await("orders");
    CompletableFuture<ServiceWriteLocks.EtcdFailure> told = toldOnItsTurn("orders");
    await("the write behind waits its turn")
        .atMost(Duration.ofSeconds(10))
        .until(() -> locks.waiting("orders"), n -> n == 1);

    ahead.etcdFailed(TestEtcdFailures.unavailableSentAt("etcd did not answer", 42));
    ahead.release();

    assertThat(told.get(10, TimeUnit.SECONDS))
        .isEqualTo(new ServiceWriteLocks.EtcdFailure(42, null, null));
  }

  @Test
  void whatTheProxyAnsweredIsPassedOn() throws Exception {
    ServiceWriteLocks.Turn ahead = locks.await("orders");
    CompletableFuture<ServiceWriteLocks.EtcdFailure> told = toldOnItsTurn("orders");
    await("the write behind waits its turn")
        .atMost(Duration.ofSeconds(10))
        .until(() -> locks.waiting("orders"), n -> n == 1);

    ahead.etcdFailed(TestEtcdFailures.unavailableThroughAProxy("etcd failed", "HTTP 502"));
    ahead.release();

    assertThat(told.get(10, TimeUnit.SECONDS).proxysAnswer()).isEqualTo("HTTP 502");
  }

  /**
   * A wait the control plane's stop interrupts is the stop to answer (a 503 of a stopping control
   * plane), its flag set again: before, it read as a turn that did not come in time, and the write
   * was answered 409 write-contention, "written by other requests for 30 s".
   */
  @Test
  void aWaitTheStopInterruptsSaysSo() throws Exception {
    ServiceWriteLocks.Turn ahead = locks.await("orders");
    try {
      CompletableFuture<Throwable> waited =
          CompletableFuture.supplyAsync(
              () -> {
                Thread.currentThread().interrupt();
                try {
                  ServiceWriteLocks.Turn turn = locks.await("orders");
                  turn.release();
                  return null;
                } catch (EtcdUnavailableException e) {
                  return Thread.currentThread().isInterrupted() ? e : new AssertionError("flag");
                }
              },
              behind);
      assertThat(waited.get(10, TimeUnit.SECONDS))
          .isInstanceOfSatisfying(
              EtcdUnavailableException.class,
              e -> {
                assertThat(e.interrupted()).isTrue();
                assertThat(e.outcomeUnknown()).isFalse();
                assertThat(e.getMessage()).contains("orders");
              });
    } finally {
      ahead.release();
    }
  }

  @Test
  void aWriteThatComesAfterTheFailureIsToldNothing() {
    ServiceWriteLocks.Turn failed = locks.await("orders");
    failed.etcdFailed(TestEtcdFailures.unavailable("etcd did not answer"));
    failed.release();

    ServiceWriteLocks.Turn later = locks.await("orders");
    try {
      assertThat(later.etcdFailedWhileWaiting()).isNull();
    } finally {
      later.release();
    }
  }

  @Test
  void theControlPlaneStoppingIsNoOutageToPassOn() throws Exception {
    ServiceWriteLocks.Turn ahead = locks.await("orders");
    CompletableFuture<ServiceWriteLocks.EtcdFailure> told = toldOnItsTurn("orders");
    await("the write behind waits its turn")
        .atMost(Duration.ofSeconds(10))
        .until(() -> locks.waiting("orders"), n -> n == 1);

    ahead.etcdFailed(TestEtcdFailures.clientClosedUnderACommit("write", 42));
    ahead.release();

    assertThat(told.get(10, TimeUnit.SECONDS)).isNull();
  }

  /** Waits for {@code service}'s turn on another thread; what it was told, its turn released. */
  private CompletableFuture<ServiceWriteLocks.EtcdFailure> toldOnItsTurn(String service) {
    return CompletableFuture.supplyAsync(
        () -> {
          ServiceWriteLocks.Turn turn = locks.await(service);
          try {
            return turn.etcdFailedWhileWaiting();
          } finally {
            turn.release();
          }
        },
        behind);
  }
}
