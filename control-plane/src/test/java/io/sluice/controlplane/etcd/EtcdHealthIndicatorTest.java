package io.sluice.controlplane.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
            now::get,
            new StartFindings());
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

  /**
   * Another etcd that took the embedded etcd's client port answers the read: health said UP while
   * the control plane wrote its rules to a stranger's etcd, and said nothing of the port. While the
   * embedded etcd is not running, health says only that, without a read: the gateway refuses it
   * anyway, and its error (or a start's findings) would bury the reason.
   */
  @Test
  void isDownWithOnlyTheEmbeddedEtcdsTroubleAndReadsNothingMeanwhile() {
    SuppliedEmbeddedEtcd embedded = new SuppliedEmbeddedEtcd();
    embedded.exited("its client port 2379 is taken");
    StartFindings start = new StartFindings();
    start.record(new StartFindings.Found("etcd did not answer at its endpoints", List.of()));
    EtcdHealthIndicator indicator =
        new EtcdHealthIndicator(
            () -> Health.up().withDetail("revision", (long) reads.incrementAndGet()).build(),
            now::get,
            start,
            embedded);

    Health health = indicator.health();
    assertThat(health.getStatus()).isEqualTo(Status.DOWN);
    assertThat(health.getDetails())
        .containsOnly(entry("embedded", "its client port 2379 is taken"));
    assertThat(reads).as("no read while the embedded etcd is not running").hasValue(0);

    embedded.runsAgain();
    Health again = indicator.health();
    assertThat(again.getStatus()).isEqualTo(Status.UP);
    assertThat(again.getDetails()).containsOnly(entry("revision", 1L));
  }

  @Test
  void anAnswerStandsForASecondThenEtcdIsReadAgain() {
    EtcdHealthIndicator indicator =
        new EtcdHealthIndicator(
            () -> Health.up().withDetail("revision", (long) reads.incrementAndGet()).build(),
            now::get,
            new StartFindings());

    assertThat(indicator.health().getDetails()).containsEntry("revision", 1L);
    now.addAndGet(EtcdHealthIndicator.FRESH.toNanos() - 1);
    assertThat(indicator.health().getDetails()).containsEntry("revision", 1L);
    now.addAndGet(1);
    assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
    assertThat(indicator.health().getDetails()).containsEntry("revision", 2L);
    assertThat(reads).hasValue(2);
  }

  /**
   * After a start without etcd, a DOWN answer says why the start did not connect and what each
   * endpoint showed (that was only in the log), until etcd is read: an outage later is not shown
   * with the start's findings.
   */
  @Test
  void showsWhyTheStartDidNotConnectUntilEtcdIsRead() {
    StartFindings start = new StartFindings();
    start.record(
        new StartFindings.Found(
            "etcd did not answer at its endpoints for 1000 ms",
            List.of(
                new EndpointProbe.Finding(
                    "127.0.0.1:1", EndpointProbe.Seen.CONNECT_TIMED_OUT, null),
                new EndpointProbe.Finding("127.0.0.1:2", EndpointProbe.Seen.SILENT, null))));
    AtomicBoolean etcdUp = new AtomicBoolean();
    EtcdHealthIndicator indicator =
        new EtcdHealthIndicator(
            () ->
                etcdUp.get()
                    ? Health.up().withDetail("revision", 7L).build()
                    : Health.down().withDetail("error", "etcd did not answer").build(),
            now::get,
            start);

    Health down = indicator.health();
    assertThat(down.getStatus()).isEqualTo(Status.DOWN);
    assertThat(down.getDetails())
        .containsEntry("error", "etcd did not answer")
        .containsEntry(
            "start",
            Map.of(
                "verdict",
                "etcd did not answer at its endpoints for 1000 ms",
                "endpoints",
                Map.of(
                    "127.0.0.1:1",
                    "connect timed out",
                    "127.0.0.1:2",
                    "accepted but did not answer")));

    etcdUp.set(true);
    now.addAndGet(EtcdHealthIndicator.FRESH.toNanos());
    assertThat(indicator.health().getDetails()).containsOnlyKeys("revision");

    etcdUp.set(false);
    now.addAndGet(EtcdHealthIndicator.FRESH.toNanos());
    assertThat(indicator.health().getDetails()).containsOnlyKeys("error");
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
