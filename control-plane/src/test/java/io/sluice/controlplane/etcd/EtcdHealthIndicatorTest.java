package io.sluice.controlplane.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

/** Probes of the open health endpoint never multiply reads of etcd. */
class EtcdHealthIndicatorTest {

  private final AtomicLong now = new AtomicLong();
  private final AtomicInteger reads = new AtomicInteger();

  @Test
  void callersDuringASlowCheckShareItsAnswer() throws Exception {
    CountDownLatch etcdAnswers = new CountDownLatch(1);
    EtcdHealthIndicator indicator =
        new EtcdHealthIndicator(
            () -> {
              reads.incrementAndGet();
              awaitQuietly(etcdAnswers);
              return Health.down().withDetail("error", "etcd did not answer").build();
            },
            now::get);
    ExecutorService probes = Executors.newFixedThreadPool(8);
    try {
      List<Future<Health>> answers = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        answers.add(probes.submit(() -> indicator.health()));
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> reads.get() == 1);
      etcdAnswers.countDown();
      for (Future<Health> answer : answers) {
        Health health = answer.get(10, TimeUnit.SECONDS);
        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat(health.getDetails()).containsEntry("error", "etcd did not answer");
      }
      assertThat(reads).as("one read of etcd for eight probes").hasValue(1);
    } finally {
      probes.shutdownNow();
    }
  }

  @Test
  void anAnswerStandsForASecondThenEtcdIsReadAgain() {
    EtcdHealthIndicator indicator =
        new EtcdHealthIndicator(
            () -> Health.up().withDetail("revision", (long) reads.incrementAndGet()).build(),
            now::get);

    assertThat(indicator.health().getDetails()).containsEntry("revision", 1L);
    now.addAndGet(EtcdHealthIndicator.FRESH.toNanos() - 1);
    assertThat(indicator.health().getDetails()).containsEntry("revision", 1L);
    now.addAndGet(1);
    assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
    assertThat(indicator.health().getDetails()).containsEntry("revision", 2L);
    assertThat(reads).hasValue(2);
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
