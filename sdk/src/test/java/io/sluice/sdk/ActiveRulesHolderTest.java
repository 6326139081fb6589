package io.sluice.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.awaitility.Awaitility.await;

import io.sluice.rules.CompiledRules;
import io.sluice.sdk.source.FailingLogLines;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ActiveRulesHolderTest {

  /**
   * In the agent, a listener class that cannot load fails with a LinkageError
   * (NoClassDefFoundError), not a RuntimeException. It must not stop the other listeners, nor
   * escape into the rule source (where it kills FileRuleSource's watch thread for good and makes
   * EtcdRuleSource skip the LKG save and its own listeners for that snapshot).
   */
  @Test
  void aListenerThatCannotLoadAClassDoesNotStopTheOthers() {
    ActiveRulesHolder holder = new ActiveRulesHolder(ActiveRules.defaults("orders"));
    List<ActiveRules> told = new CopyOnWriteArrayList<>();
    holder.addListener(
        r -> {
          throw new NoClassDefFoundError("io/sluice/Missing");
        });
    holder.addListener(told::add);
    ActiveRules next = ActiveRules.defaults("orders");

    assertThatCode(() -> holder.publish(next)).doesNotThrowAnyException();
    assertThat(told).containsExactly(next);
  }

  /**
   * A log handler of the app's that throws at the line saying a listener failed neither stops the
   * listeners after it nor makes {@code publish} throw into the rule source. Before, the line was
   * written plainly: its exception skipped the later listeners (such as the breaker registry's
   * retune) and left the rule source's task, which then told neither its own listeners nor saved
   * the last-known-good rules.
   */
  @Test
  void aListenerFailureWhoseLineThrowsStillTellsTheOthers() {
    ActiveRulesHolder holder = new ActiveRulesHolder(ActiveRules.defaults("orders"));
    List<ActiveRules> told = new CopyOnWriteArrayList<>();
    holder.addListener(
        r -> {
          throw new IllegalStateException("a listener fails, as a test asks");
        });
    holder.addListener(told::add);
    ActiveRules next = ActiveRules.defaults("orders");

    try (FailingLogLines line =
        FailingLogLines.of(ActiveRulesHolder.class, "a rules listener failed")) {
      assertThatCode(() -> holder.publish(next)).doesNotThrowAnyException();
      assertThat(line.failed()).isEqualTo(1);
    }
    assertThat(told).containsExactly(next);
    assertThat(holder.current()).isSameAs(next);
  }

  private static final Duration BOUND = Duration.ofSeconds(10);

  private static final CompiledRules RULES = ActiveRules.defaults("orders").rules();

  /** A snapshot told apart from the others by its revision. */
  private static ActiveRules snapshot(long revision) {
    return new ActiveRules(RULES, revision, ActiveRules.Source.ETCD);
  }

  /**
   * A listener that blocks (an app's listener waiting on I/O, one that hangs in a source that
   * close() abandoned) holds up neither another thread's publish nor its rules taking force: the
   * snapshot is in force at once and told to the listeners once the blocked one returns, after the
   * one it was blocked in. Before, listeners ran under the lock every publish takes, so the second
   * publisher waited, its rules not in force, for as long as the listener blocked.
   */
  @Test
  void aBlockedListenerHoldsUpNeitherAnotherPublishNorItsRulesTakingForce() throws Exception {
    ActiveRulesHolder holder = new ActiveRulesHolder(ActiveRules.defaults("orders"));
    ActiveRules first = snapshot(1);
    ActiveRules second = snapshot(2);
    ActiveRules third = snapshot(3);
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<ActiveRules> told = new CopyOnWriteArrayList<>();
    holder.addListener(
        rules -> {
          if (rules == first) {
            entered.countDown();
            awaitUninterruptibly(release);
          }
        });
    holder.addListener(told::add);
    ExecutorService publishers = Executors.newFixedThreadPool(2);
    try {
      publishers.submit(() -> holder.publish(first));
      assertThat(entered.await(BOUND.toSeconds(), TimeUnit.SECONDS)).isTrue();

      Future<?> another = publishers.submit(() -> holder.publish(second));
      await().atMost(BOUND).until(another::isDone);
      assertThat(holder.current()).isSameAs(second);
      Future<?> yetAnother = publishers.submit(() -> holder.publish(third));
      await().atMost(BOUND).until(yetAnother::isDone);
      assertThat(holder.current()).isSameAs(third);
      assertThat(told).isEmpty();

      release.countDown();
      await().atMost(BOUND).until(() -> told.size() == 2);
      // the second was superseded before the listeners were free: a listener stuck for good holds
      // up one untold snapshot, not one per change
      assertThat(told).containsExactly(first, third);
    } finally {
      release.countDown();
      publishers.shutdown();
      assertThat(publishers.awaitTermination(BOUND.toSeconds(), TimeUnit.SECONDS)).isTrue();
    }
  }

  /**
   * A snapshot is applied, and told to the applied listeners (the agent status), only once every
   * rules listener (the breaker registry's retune) has been told of it: a status written in between
   * would say "applied" while calls still meet the old policies.
   */
  @Test
  void appliedListenersHearOfASnapshotOnlyAfterEveryListener() throws Exception {
    ActiveRulesHolder holder = new ActiveRulesHolder(ActiveRules.defaults("orders"));
    ActiveRules initial = holder.current();
    ActiveRules next = snapshot(7);
    List<ActiveRules> applied = new CopyOnWriteArrayList<>();
    holder.addAppliedListener(applied::add);

    Thread publisher;
    try (HeldListener retune = HeldListener.on(holder)) {
      publisher = retune.publishAndHold(holder, next);
      assertThat(holder.current()).isSameAs(next);
      assertThat(holder.applied()).isSameAs(initial);
      assertThat(applied).isEmpty();
    }
    publisher.join(BOUND.toMillis());
    assertThat(publisher.isAlive()).isFalse();
    assertThat(holder.applied()).isSameAs(next);
    assertThat(applied).containsExactly(next);
  }

  /**
   * A listener that publishes (from inside being told) never makes a later listener see the newer
   * snapshot before the older one: every listener is told the older one first. Before, the nested
   * publish told every listener of the newer snapshot at once, then the outer one went on telling
   * the listeners after the publishing one of the older snapshot, which they took for the latest.
   */
  @Test
  void aListenerThatPublishesKeepsEveryListenerInPublishOrder() {
    ActiveRulesHolder holder = new ActiveRulesHolder(ActiveRules.defaults("orders"));
    ActiveRules first = snapshot(1);
    ActiveRules second = snapshot(2);
    List<ActiveRules> before = new CopyOnWriteArrayList<>();
    List<ActiveRules> after = new CopyOnWriteArrayList<>();
    holder.addListener(before::add);
    holder.addListener(
        rules -> {
          if (rules == first) {
            holder.publish(second);
          }
        });
    holder.addListener(after::add);

    holder.publish(first);

    assertThat(holder.current()).isSameAs(second);
    assertThat(before).containsExactly(first, second);
    assertThat(after).containsExactly(first, second);
  }

  /**
   * Publishers racing on several threads: every listener is told the same snapshots, each at most
   * once, in one order that keeps each thread's own publish order, and the last one told is the one
   * in force.
   */
  @Test
  void listenersOfRacingPublishersSeeOneOrderEndingOnTheRulesInForce() throws Exception {
    ActiveRulesHolder holder = new ActiveRulesHolder(ActiveRules.defaults("orders"));
    List<ActiveRules> toldA = new CopyOnWriteArrayList<>();
    List<ActiveRules> toldB = new CopyOnWriteArrayList<>();
    holder.addListener(toldA::add);
    holder.addListener(toldB::add);
    int threads = 4;
    int each = 250;
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService publishers = Executors.newFixedThreadPool(threads);
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      long base = (t + 1) * 1_000_000L;
      done.add(
          publishers.submit(
              () -> {
                awaitUninterruptibly(go);
                for (int i = 0; i < each; i++) {
                  holder.publish(snapshot(base + i));
                }
              }));
    }
    go.countDown();
    try {
      for (Future<?> f : done) {
        f.get(BOUND.toSeconds(), TimeUnit.SECONDS);
      }
    } finally {
      publishers.shutdown();
    }
    assertThat(publishers.awaitTermination(BOUND.toSeconds(), TimeUnit.SECONDS)).isTrue();

    assertThat(toldA).isNotEmpty().hasSizeLessThanOrEqualTo(threads * each).isEqualTo(toldB);
    assertThat(toldA.get(toldA.size() - 1)).isSameAs(holder.current());
    Map<Long, Long> lastOfThread = new ConcurrentHashMap<>();
    for (ActiveRules rules : toldA) {
      long thread = rules.revision() / 1_000_000L;
      Long last = lastOfThread.put(thread, rules.revision());
      assertThat(last == null ? Long.MIN_VALUE : last).isLessThan(rules.revision());
    }
  }

  private static void awaitUninterruptibly(CountDownLatch latch) {
    boolean interrupted = false;
    while (true) {
      try {
        if (latch.await(BOUND.toSeconds() * 3, TimeUnit.SECONDS)) {
          break;
        }
        throw new AssertionError("never released");
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
