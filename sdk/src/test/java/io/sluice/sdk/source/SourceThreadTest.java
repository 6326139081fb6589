package io.sluice.sdk.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class SourceThreadTest {

  private static final Duration BOUND = Duration.ofSeconds(10);

  @Test
  void runsTasksInOrderOnOneNamedDaemonThreadThenTheLastOneAtStop() {
    SourceThread worker = new SourceThread("sluice-test-worker");
    List<String> ran = new CopyOnWriteArrayList<>();
    AtomicReference<Thread> thread = new AtomicReference<>();
    worker.start();

    worker.execute(
        () -> {
          thread.set(Thread.currentThread());
          ran.add("first");
        });
    worker.execute(() -> ran.add("second"));
    String busyIn = worker.stop(() -> ran.add("last"), BOUND, () -> ran.add("abandoned"));

    assertThat(busyIn).as("ended in time").isNull();
    assertThat(ran).containsExactly("first", "second", "last");
    assertThat(thread.get().getName()).isEqualTo("sluice-test-worker");
    assertThat(thread.get().isDaemon()).isTrue();
    await().atMost(BOUND).until(() -> !thread.get().isAlive());
  }

  @Test
  void dropsDelayedTasksAndTasksHandedOverAfterStop() {
    SourceThread worker = new SourceThread("sluice-test-worker");
    AtomicBoolean delayedRan = new AtomicBoolean();
    AtomicBoolean lateRan = new AtomicBoolean();
    worker.start();
    worker.schedule(() -> delayedRan.set(true), TimeUnit.HOURS.toMillis(1));

    assertThat(worker.stop(() -> {}, BOUND, () -> {})).isNull();
    worker.execute(() -> lateRan.set(true));
    worker.schedule(() -> lateRan.set(true), 0);

    assertThat(delayedRan).isFalse();
    assertThat(lateRan).isFalse();
  }

  @Test
  void abandonsABusyThreadNamingWhereItWasBusyAfterTellingItSo() throws InterruptedException {
    SourceThread worker = new SourceThread("sluice-test-worker");
    CountDownLatch busy = new CountDownLatch(1);
    AtomicBoolean abandoned = new AtomicBoolean();
    AtomicBoolean sawAbandonedWhenInterrupted = new AtomicBoolean();
    AtomicBoolean lastRan = new AtomicBoolean();
    worker.start();
    worker.execute(
        () -> {
          busy.countDown();
          try {
            new CountDownLatch(1).await();
          } catch (InterruptedException e) {
            sawAbandonedWhenInterrupted.set(abandoned.get());
          }
        });
    assertThat(busy.await(BOUND.toMillis(), TimeUnit.MILLISECONDS)).isTrue();

    String busyIn =
        worker.stop(() -> lastRan.set(true), Duration.ofMillis(100), () -> abandoned.set(true));

    assertThat(busyIn).contains(SourceThreadTest.class.getName());
    assertThat(abandoned).isTrue();
    await().atMost(BOUND).untilTrue(sawAbandonedWhenInterrupted);
    assertThat(lastRan).as("queued behind the busy task, dropped").isFalse();
  }

  @Test
  void aStopBeforeStartHasNothingToStop() {
    SourceThread worker = new SourceThread("sluice-test-worker");
    AtomicBoolean ran = new AtomicBoolean();

    assertThat(worker.stop(() -> ran.set(true), BOUND, () -> ran.set(true))).isNull();
    worker.execute(() -> ran.set(true));

    assertThat(ran).isFalse();
  }
}
