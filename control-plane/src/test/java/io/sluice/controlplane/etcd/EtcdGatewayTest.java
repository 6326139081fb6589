package io.sluice.controlplane.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.grpc.Status;
import io.sluice.rules.wire.EtcdKeys;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** What {@link EtcdGateway.Builder} configures, seen on calls that need no etcd. */
class EtcdGatewayTest {

  /** No client: the calls below are futures completed by the test, nothing is sent. */
  private static EtcdGateway.Builder builder() {
    return EtcdGateway.builder(null, EtcdKeys.defaults(), Duration.ofSeconds(1));
  }

  @Test
  void tellsItsAnswersWhichCallsEtcdServedAndWhichItRefused() {
    List<String> told = new ArrayList<>();
    EtcdGateway etcd =
        builder()
            .answers(
                new EtcdGateway.Answers() {
                  @Override
                  public void served() {
                    told.add("served");
                  }

                  @Override
                  public void refused() {
                    told.add("refused");
                  }
                })
            .build();

    etcd.await(CompletableFuture.completedFuture("a"), "read a");
    Throwable refused =
        catchThrowable(() -> etcd.await(TestEtcdFailures.permissionDenied(), "read b"));
    Throwable unavailable =
        catchThrowable(
            () ->
                etcd.await(
                    CompletableFuture.failedFuture(Status.UNAVAILABLE.asRuntimeException()),
                    "read c"));

    assertThat(refused).isInstanceOf(EtcdRefusedException.class);
    assertThat(unavailable).isInstanceOf(EtcdUnavailableException.class);
    assertThat(told)
        .as("nothing for the call etcd did not answer")
        .containsExactly("served", "refused");
  }

  @Test
  void stampsAFailedCallWithItsClock() {
    EtcdGateway etcd = builder().nanoTime(() -> 42L).build();

    Throwable failed =
        catchThrowable(
            () ->
                etcd.await(
                    CompletableFuture.failedFuture(Status.UNAVAILABLE.asRuntimeException()),
                    "read a"));

    assertThat(failed)
        .isInstanceOfSatisfying(
            EtcdUnavailableException.class, e -> assertThat(e.sentNanos()).isEqualTo(42L));
    assertThat(etcd.nanoTime()).isEqualTo(42L);
  }

  /**
   * A caller interrupted while it waits abandons the call, as one whose wait timed out does: the
   * call is cancelled, and the caller keeps its interrupt flag.
   */
  @Test
  void cancelsTheCallItsInterruptedCallerAbandons() {
    EtcdGateway etcd = builder().build();
    CompletableFuture<String> call = new CompletableFuture<>();

    Thread.currentThread().interrupt();
    Throwable failed;
    boolean flagKept;
    try {
      failed = catchThrowable(() -> etcd.await(call, "read a"));
    } finally {
      flagKept = Thread.interrupted(); // and cleared for the next test on this thread
    }

    assertThat(failed)
        .isInstanceOfSatisfying(
            EtcdUnavailableException.class, e -> assertThat(e.interrupted()).isTrue());
    assertThat(flagKept).as("the interrupt flag kept").isTrue();
    assertThat(call).isCancelled();
  }

  @Test
  void takesEtcdsDefaultRequestLimitUnlessTold() {
    assertThat(builder().build().maxRequestBytes())
        .isEqualTo(EtcdSettings.DEFAULT_MAX_REQUEST_BYTES);
    assertThat(builder().maxRequestBytes(1024).build().maxRequestBytes()).isEqualTo(1024);
  }

  @Test
  void refusesANegativeTimeoutOrANonPositiveRequestLimitNamingTheValue() {
    assertThatThrownBy(() -> EtcdGateway.builder(null, EtcdKeys.defaults(), Duration.ofMillis(-5)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the etcd timeout must not be negative, was PT-0.005S");
    assertThatThrownBy(() -> builder().maxRequestBytes(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the largest etcd request must be positive, was 0");
  }
}
