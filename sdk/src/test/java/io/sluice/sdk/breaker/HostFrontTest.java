package io.sluice.sdk.breaker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class HostFrontTest {

  private static final String HOST = "payments.internal";

  private final HostFront front = new HostFront();

  @Test
  void findsAnOfferedValueUntilItIsRemoved() {
    HostTargets value = value();

    front.offer(value);
    assertThat(front.get(new String(HOST))).isSameAs(value);

    front.remove(value);
    assertThat(front.get(HOST)).isNull();
    assertThat(front.holdsAny(HOST)).as("the removed value left its slot").isFalse();
  }

  @Test
  void aValueRemovedBeforeItIsOfferedIsNotTaken() {
    HostTargets value = value();
    front.remove(value);

    front.offer(value);

    assertThat(front.holdsAny(HOST)).isFalse();
  }

  @Test
  void aRetiredValueGivesItsSlotToTheNextOne() {
    HostTargets old = value();
    front.offer(old);
    old.retire(); // the cache replaced it; its removal not yet run
    HostTargets next = value();

    front.offer(next);

    assertThat(front.get(HOST)).isSameAs(next);
  }

  /**
   * The cache removes a value while a thread that found it there offers it: whichever order their
   * steps take, the slot ends empty, so the removed value's targets (breakers, statistics) are not
   * kept past the cache's bound. Both threads start each round together, spinning, so that their
   * steps interleave.
   */
  @Test
  void aValueRemovedWhileOfferedNeverStaysInItsSlot() throws Exception {
    int rounds = 20_000;
    HostTargets[] values = new HostTargets[rounds];
    for (int i = 0; i < rounds; i++) {
      values[i] = value();
    }
    AtomicInteger offerReady = new AtomicInteger(-1);
    AtomicInteger removeReady = new AtomicInteger(-1);
    AtomicInteger removed = new AtomicInteger(-1);
    AtomicInteger left = new AtomicInteger();
    ExecutorService threads =
        Executors.newFixedThreadPool(
            2,
            task -> {
              Thread thread = new Thread(task, "host-front-race");
              thread.setDaemon(true); // a thread left spinning must not keep the test JVM alive
              return thread;
            });
    try {
      CompletableFuture<Void> offering =
          CompletableFuture.runAsync(
              () -> {
                for (int i = 0; i < rounds; i++) {
                  offerReady.set(i);
                  awaitAtLeast(removeReady, i);
                  front.offer(values[i]);
                  awaitAtLeast(removed, i);
                  if (front.holdsAny(HOST)) {
                    left.incrementAndGet();
                    front.remove(values[i]); // the next round starts from an empty slot
                  }
                }
              },
              threads);
      CompletableFuture<Void> removing =
          CompletableFuture.runAsync(
              () -> {
                for (int i = 0; i < rounds; i++) {
                  removeReady.set(i);
                  awaitAtLeast(offerReady, i);
                  front.remove(values[i]);
                  removed.set(i);
                }
              },
              threads);
      CompletableFuture.allOf(offering, removing).get(2, TimeUnit.MINUTES);
    } finally {
      threads.shutdownNow();
    }

    assertThat(left).as("rounds whose removed value stayed in its slot").hasValue(0);
  }

  /**
   * Waits, spinning, until {@code counter} reaches {@code value}; yields after a while, as the
   * other thread may not be running (a busy machine with two cores). Ends on interruption (the
   * test's {@code shutdownNow} once it gave up).
   */
  private static void awaitAtLeast(AtomicInteger counter, int value) {
    for (int spins = 0; counter.get() < value; spins++) {
      if (spins < 1000) {
        Thread.onSpinWait();
      } else if (Thread.currentThread().isInterrupted()) {
        throw new IllegalStateException("interrupted while waiting for the other thread");
      } else {
        Thread.yield();
      }
    }
  }

  private static HostTargets value() {
    return new HostTargets(new Target[] {new Target(HOST, 8080, 0)});
  }
}
