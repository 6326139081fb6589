package io.sluice.sdk.breaker;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.opentelemetry.api.metrics.MeterProvider;
import io.sluice.rules.BreakerPolicy;
import io.sluice.rules.BreakerScope;
import io.sluice.rules.SlidingWindow;
import io.sluice.rules.SlidingWindowType;
import io.sluice.testing.time.ManualClock;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ManagedBreakerTest {

  private static PolicyState state(BreakerPolicy policy) {
    return state(policy, Clock.systemUTC());
  }

  /** A breaker of {@link Policies#payments()} for {@code payments:8080}, on the system clock. */
  private static ManagedBreaker payments() {
    return new ManagedBreaker(
        state(Policies.payments()),
        "payments:8080",
        Clock.systemUTC(),
        new BreakerTelemetry(MeterProvider.noop()));
  }

  private static PolicyState state(BreakerPolicy policy, Clock clock) {
    return new PolicyState(policy, BreakerSettings.of(policy).toConfig(clock, false));
  }

  /** {@code p} with a time-based window, whose making reads the clock. */
  private static BreakerPolicy timeWindow(BreakerPolicy p, Duration wait) {
    return new BreakerPolicy(
        p.name(),
        p.match(),
        p.scope(),
        p.failureRateThreshold(),
        p.slowCallRateThreshold(),
        p.slowCallDuration(),
        new SlidingWindow(SlidingWindowType.TIME, 10),
        p.minimumCalls(),
        wait,
        p.halfOpenCalls(),
        p.failureStatusCodes(),
        p.onOpen(),
        p.shadow());
  }

  /**
   * A dropped breaker stays as it was dropped: a call still holding it, with a newer version of its
   * policy, binds no fresh circuit breaker to it (an OPEN one would be held by Resilience4j's
   * scheduler for its wait again, for a breaker no one keeps), and a second drop keeps the state of
   * the first.
   */
  @Test
  void aDroppedBreakerStaysDisabledWhenACallBringsANewerPolicy() {
    ManagedBreaker breaker = payments();
    breaker.binding().breaker.transitionToOpenState();
    breaker.drop();
    ManagedBreaker.Binding dropped = breaker.binding();
    PolicyState newer =
        state(Policies.timed(Policies.payments(), Duration.ofSeconds(2), Duration.ofSeconds(30)));

    assertThat(breaker.bindingFor(newer)).isSameAs(dropped);
    assertThat(dropped.breaker.getState()).isEqualTo(CircuitBreaker.State.DISABLED);
    breaker.drop();
    assertThat(breaker.stateNow())
        .as("the state it was dropped in")
        .isEqualTo(CircuitBreaker.State.OPEN);
  }

  /**
   * An old breaker that opens as a retune begins (another thread's failure) is carried over open
   * for the new wait counted from when the retune saw it open. Before, the retune noticed the old
   * breaker's state, then read it again: an opening in between was carried with the wait counted
   * from the breaker's previous opening, long over, and the next call went through.
   */
  @Test
  void aBreakerThatOpensAsARetuneBeginsWaitsFromThisOpeningNotAnEarlierOne() {
    ManualClock time = new ManualClock(Instant.ofEpochMilli(1_700_000_000_000L));
    HookedClock clock = new HookedClock(time);
    PolicyState first = state(timeWindow(Policies.payments(), Duration.ofSeconds(10)), clock);
    ManagedBreaker breaker =
        new ManagedBreaker(
            first, "payments:8080", clock, new BreakerTelemetry(MeterProvider.noop()));
    CircuitBreaker old = breaker.binding().breaker;
    old.transitionToOpenState();
    assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.OPEN); // opened, seen, at t0
    time.advance(Duration.ofSeconds(11));
    old.transitionToHalfOpenState();
    assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
    old.transitionToClosedState();
    assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
    time.advance(Duration.ofSeconds(100));
    PolicyState second = state(timeWindow(Policies.payments(), Duration.ofSeconds(20)), clock);

    // the first clock reading in the retune is the new breaker's window being made
    clock.onNextReading(old::transitionToOpenState);
    ManagedBreaker.Binding retuned = breaker.retune(second);

    assertThat(clock.ran()).as("the old breaker opened inside the retune").isEqualTo(1);
    assertThat(retuned.breaker.getState()).isEqualTo(CircuitBreaker.State.OPEN);
    assertThat(retuned.breaker.tryAcquirePermission())
        .as("opened just now, new wait 20 s")
        .isFalse();
    time.advance(Duration.ofSeconds(21));
    assertThat(retuned.breaker.tryAcquirePermission()).as("20 s after it was seen open").isTrue();
  }

  @Test
  void aCallThatMatchedAnOlderVersionOfThePolicyNeverTunesTheBreakerBack() {
    BreakerPolicy v1 = Policies.payments();
    PolicyState first = state(v1);
    PolicyState second =
        state(Policies.with(v1, 20, Duration.ofSeconds(30), BreakerScope.TARGET, false));
    ManagedBreaker breaker =
        new ManagedBreaker(
            first, "payments:8080", Clock.systemUTC(), new BreakerTelemetry(MeterProvider.noop()));

    ManagedBreaker.Binding current = breaker.bindingFor(second);
    CircuitBreaker tuned = current.breaker;
    assertThat(current.policy).isSameAs(second);

    // a request thread still holding the snapshot before the change
    ManagedBreaker.Binding stale = breaker.bindingFor(first);
    assertThat(stale.policy).isSameAs(second);
    assertThat(stale.breaker).isSameAs(tuned);
    assertThat(breaker.retune(first).breaker).isSameAs(tuned);
    assertThat(breaker.binding().breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);

    // a later version (even one equal to the first) still applies
    PolicyState third = state(v1);
    assertThat(breaker.bindingFor(third).policy).isSameAs(third);
  }

  /**
   * Each transition between the three states a bound breaker is in, shadow or not, has a slot of
   * its own, reported with its own from, to and shadow attributes.
   */
  @Test
  void everyTransitionHasASlotReportedWithItsOwnAttributes() {
    ManagedBreaker breaker = payments();
    java.util.Set<Integer> slots = new java.util.HashSet<>();
    CircuitBreaker.State[] states = {
      CircuitBreaker.State.CLOSED, CircuitBreaker.State.OPEN, CircuitBreaker.State.HALF_OPEN
    };
    for (CircuitBreaker.State from : states) {
      for (CircuitBreaker.State to : states) {
        for (boolean shadow : new boolean[] {false, true}) {
          int slot = ManagedBreaker.transitionSlot(from, to, shadow);
          if (from == to) {
            assertThat(slot).isEqualTo(-1);
            continue;
          }
          assertThat(slot).isBetween(0, ManagedBreaker.TRANSITION_SLOTS - 1);
          assertThat(slots.add(slot)).as("%s to %s, shadow %s", from, to, shadow).isTrue();
          io.opentelemetry.api.common.Attributes a = breaker.transitionAttributes(slot);
          assertThat(a.get(BreakerTelemetry.FROM)).isEqualTo(from.name());
          assertThat(a.get(BreakerTelemetry.TO)).isEqualTo(to.name());
          assertThat(a.get(BreakerTelemetry.SHADOW)).isEqualTo(shadow);
        }
      }
    }
    assertThat(slots).hasSize(ManagedBreaker.TRANSITION_SLOTS);
    assertThat(
            ManagedBreaker.transitionSlot(
                CircuitBreaker.State.CLOSED, CircuitBreaker.State.DISABLED, false))
        .as("never made by a bound breaker: not counted")
        .isEqualTo(-1);
  }

  /**
   * A refusal whose state was read as CLOSED just after is never said CLOSED ("is CLOSED: call not
   * permitted", as it was): a breaker with a fresh window refused as HALF_OPEN and its trials
   * closed it since; one whose window is over its threshold refused as it opened (Resilience4j
   * stops permitting before its state is OPEN).
   */
  @Test
  void aRefusalReadAfterAsClosedIsSaidInTheStateItRefusedIn() {
    ManagedBreaker breaker = payments();
    CircuitBreaker cb = breaker.binding().breaker;

    Rejection rejection =
        breaker.rejected(breaker.binding(), CircuitBreaker.State.CLOSED).rejection;
    assertThat(rejection.state()).as("a fresh window").isEqualTo("HALF_OPEN");
    assertThat(rejection.message()).endsWith("is HALF_OPEN: call not permitted");
    assertThat(breaker.rejected(breaker.binding(), CircuitBreaker.State.OPEN).rejection.state())
        .isEqualTo("OPEN");

    while (cb.getState() == CircuitBreaker.State.CLOSED) {
      cb.onError(1, TimeUnit.MILLISECONDS, new IOException("refused"));
    }
    assertThat(ManagedBreaker.refusedIn(cb, CircuitBreaker.State.CLOSED))
        .as("a window over its threshold")
        .isEqualTo(CircuitBreaker.State.OPEN);
  }
}
