package io.sluice.sdk.breaker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.MeterProvider;
import java.lang.management.ManagementFactory;
import java.lang.ref.WeakReference;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a breaker holds beyond its windows. The target cache weighs a breaker as one target plus its
 * windows ({@link PolicyState#breakerWeight}), so that part must stay about one target's worth (64
 * window slots, about 2.8 KB) however the breaker is used.
 */
class BreakerFootprintTest {

  private final com.sun.management.ThreadMXBean threads =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  /**
   * A breaker's first transition makes the counts it keeps for {@code sluice.breaker.transitions}
   * for as long as it lives: one per pair of the three states a bound breaker is in, shadow or not
   * (12 longs, 112 bytes). Before, one per pair of all six Resilience4j states (72 longs, 592
   * bytes), and a collection kept 72 more slots for their attributes: 1.5 KB more for every breaker
   * that ever moved, which the cache did not count.
   */
  @Test
  void aBreakersFirstTransitionKeepsAFewCounts() {
    Clock clock = Clock.systemUTC();
    PolicyState policy =
        new PolicyState(
            Policies.payments(), BreakerSettings.of(Policies.payments()).toConfig(clock, false));
    ManagedBreaker breaker =
        new ManagedBreaker(
            policy, "payments:8080", clock, new BreakerTelemetry(MeterProvider.noop()));
    // warmed up: the first call of a method may allocate for class loading and linking
    ManagedBreaker warm =
        new ManagedBreaker(
            policy, "payments:8081", clock, new BreakerTelemetry(MeterProvider.noop()));
    warm.countTransition(CircuitBreaker.State.CLOSED, CircuitBreaker.State.OPEN, false);
    long thread = Thread.currentThread().getId();

    long before = threads.getThreadAllocatedBytes(thread);
    breaker.countTransition(CircuitBreaker.State.CLOSED, CircuitBreaker.State.OPEN, false);
    long made = threads.getThreadAllocatedBytes(thread) - before;

    assertThat(made).as("bytes made for the counts (112 now; 592 before)").isLessThan(256);
    assertThat(
            breaker.transitionCount(
                ManagedBreaker.transitionSlot(
                    CircuitBreaker.State.CLOSED, CircuitBreaker.State.OPEN, false)))
        .isEqualTo(1);
  }

  /**
   * The attributes of {@code sluice.breaker.calls} are made at each collection and not kept, as the
   * transitions' are: kept, they made a breaker that had calls of every outcome hold five more sets
   * (about 660 bytes) for as long as it lived. Made at a collection they are about 100 bytes of
   * garbage a reported outcome, once a collection interval (60 s by default), as much as the SDK
   * makes itself for each series it collects.
   */
  @Test
  void aBreakerKeepsNoOutcomeAttributesOnceCollected() {
    Clock clock = Clock.systemUTC();
    PolicyState policy =
        new PolicyState(
            Policies.payments(), BreakerSettings.of(Policies.payments()).toConfig(clock, false));
    ManagedBreaker breaker =
        new ManagedBreaker(
            policy, "payments:8080", clock, new BreakerTelemetry(MeterProvider.noop()));
    List<WeakReference<Attributes>> collected = collect(breaker);

    await("the outcome attributes of a collection garbage collected, the breaker still in use")
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              System.gc();
              return collected.stream().allMatch(r -> r.get() == null);
            });
    assertThat(breaker.countOf(Outcome.SUCCESS)).isEqualTo(1);
  }

  /** What one collection of {@code sluice.breaker.calls} reports, held weakly. */
  private static List<WeakReference<Attributes>> collect(ManagedBreaker breaker) {
    List<WeakReference<Attributes>> collected = new ArrayList<>();
    for (Outcome outcome : Outcome.values()) {
      breaker.count(outcome);
      Attributes attributes = breaker.outcomeAttributes(outcome);
      assertThat(attributes.get(BreakerTelemetry.OUTCOME)).isEqualTo(outcome.value);
      assertThat(attributes.get(BreakerTelemetry.POLICY)).isEqualTo("payments");
      assertThat(attributes.get(BreakerTelemetry.KEY)).isEqualTo("payments:8080");
      collected.add(new WeakReference<>(attributes));
    }
    return collected;
  }
}
