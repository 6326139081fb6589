package io.sluice.sdk.breaker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.MeterProvider;
import io.sluice.rules.BreakerPolicy;
import io.sluice.rules.SlidingWindow;
import io.sluice.rules.SlidingWindowType;
import java.lang.management.ManagementFactory;
import java.lang.ref.WeakReference;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What a target and a breaker hold. The target cache weighs a target as one unit (64 window slots,
 * 2816 bytes) and a breaker as its own bytes and its windows', rounded up to units ({@link
 * PolicyState#breakerWeight(int)}): so neither may hold more than its weight, whatever its host
 * name and however the breaker is used.
 */
class BreakerFootprintTest {

  private final com.sun.management.ThreadMXBean threads =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  /** The longest host name DNS has (253 characters), which a target and its breakers hold. */
  private static final String LONGEST_HOST =
      "h".repeat(63) + "." + "o".repeat(63) + "." + "s".repeat(63) + "." + "t".repeat(61);

  /**
   * A breaker that was used every way that makes it keep something (calls of every outcome, a
   * transition, both cached rejections) holds no more than it weighs in the cache, for the longest
   * host name. Before, its weight was one unit plus its window slots divided by 64 rounded down:
   * its own bytes (about 2.5 KB with such a host, kept in its Resilience4j name and its rejections'
   * messages) filled the one unit, and up to 63 slots (2.7 KB) went uncounted. Counted as allocated
   * bytes, so the little garbage made on the way counts too; the half-open state a breaker may be
   * in (a few hundred bytes besides its window) is left to {@link PolicyState#BREAKER_OWN_BYTES}'s
   * margin, as Resilience4j's transitions make more garbage than it keeps.
   */
  @ParameterizedTest(name = "window {0} with {1} trial calls")
  @CsvSource({"20, 3", "63, 2", "1000, 1"})
  void aUsedBreakerHoldsNoMoreThanItsWeight(int windowSize, int halfOpenCalls) {
    Clock clock = Clock.systemUTC();
    PolicyState policy = policy(windowSize, halfOpenCalls, clock);
    BreakerTelemetry telemetry = new BreakerTelemetry(MeterProvider.noop());
    use(new ManagedBreaker(policy, LONGEST_HOST + ":8081", clock, telemetry)); // warm up
    long thread = Thread.currentThread().getId();

    long before = threads.getThreadAllocatedBytes(thread);
    ManagedBreaker breaker = new ManagedBreaker(policy, LONGEST_HOST + ":8080", clock, telemetry);
    use(breaker);
    long made = threads.getThreadAllocatedBytes(thread) - before;

    assertThat(made)
        .as("bytes a breaker holds, against its weight of %d units", policy.breakerWeight)
        .isLessThanOrEqualTo((long) policy.breakerWeight * PolicyState.BYTES_PER_TARGET);
  }

  /**
   * The weights the docs give (sdk README, {@code BreakerRegistry.Builder#maxTargets}): rounded up,
   * so one slot over a unit costs a unit.
   */
  @ParameterizedTest(name = "{0} slots weigh {1}")
  @CsvSource({"23, 2", "34, 2", "35, 3", "98, 3", "99, 4", "2000, 33"})
  void aBreakerWeighsItsOwnBytesAndItsWindowsRoundedUp(int slots, int weight) {
    assertThat(PolicyState.breakerWeight(slots)).isEqualTo(weight);
  }

  /** A target on its own, with the longest host name, holds no more than the one unit it weighs. */
  @Test
  void aTargetOnItsOwnHoldsNoMoreThanOneUnit() {
    new Target(LONGEST_HOST, 8081, System.nanoTime()); // warm up
    long thread = Thread.currentThread().getId();

    long before = threads.getThreadAllocatedBytes(thread);
    Target target = new Target(LONGEST_HOST, 8080, System.nanoTime());
    long made = threads.getThreadAllocatedBytes(thread) - before;

    assertThat(made).isLessThanOrEqualTo(PolicyState.BYTES_PER_TARGET);
    assertThat(target.weight()).isEqualTo(1);
  }

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

  private static PolicyState policy(int windowSize, int halfOpenCalls, Clock clock) {
    BreakerPolicy p = Policies.payments();
    BreakerPolicy sized =
        new BreakerPolicy(
            p.name(),
            p.match(),
            p.scope(),
            p.failureRateThreshold(),
            p.slowCallRateThreshold(),
            p.slowCallDuration(),
            new SlidingWindow(SlidingWindowType.COUNT, windowSize),
            Math.min(p.minimumCalls(), windowSize),
            p.waitInOpenState(),
            halfOpenCalls,
            p.failureStatusCodes(),
            p.onOpen(),
            p.shadow());
    return new PolicyState(sized, BreakerSettings.of(sized).toConfig(clock, false));
  }

  /** Uses {@code breaker} every way that makes it keep something. */
  private static void use(ManagedBreaker breaker) {
    for (Outcome outcome : Outcome.values()) {
      breaker.count(outcome);
    }
    breaker.countTransition(CircuitBreaker.State.CLOSED, CircuitBreaker.State.OPEN, false);
    ManagedBreaker.Binding binding = breaker.binding();
    breaker.rejected(binding, CircuitBreaker.State.OPEN);
    breaker.rejected(binding, CircuitBreaker.State.HALF_OPEN);
  }
}
