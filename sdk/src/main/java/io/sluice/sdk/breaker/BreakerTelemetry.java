package io.sluice.sdk.breaker;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.api.metrics.ObservableLongCounter;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.sluice.sdk.FirstFailureLog;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * The registry's OpenTelemetry instruments, span events and transition listeners. Counting a call
 * allocates nothing: the counts live in the breaker, and the attributes of each outcome and
 * transition are built only when metrics are collected (see {@link #observeCalls}).
 */
final class BreakerTelemetry {

  private static final Logger logger = Logger.getLogger(BreakerTelemetry.class.getName());

  static final String INSTRUMENTATION_SCOPE = "io.sluice.sdk.breaker";
  static final AttributeKey<String> POLICY = AttributeKey.stringKey("sluice.breaker.policy");
  static final AttributeKey<String> KEY = AttributeKey.stringKey("sluice.breaker.key");
  static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("sluice.breaker.outcome");
  static final AttributeKey<String> STATE = AttributeKey.stringKey("sluice.breaker.state");
  static final AttributeKey<String> FROM = AttributeKey.stringKey("sluice.breaker.from");
  static final AttributeKey<String> TO = AttributeKey.stringKey("sluice.breaker.to");
  static final AttributeKey<Boolean> SHADOW = AttributeKey.booleanKey("sluice.breaker.shadow");

  static final String REJECTED_EVENT = "sluice.breaker.rejected";
  static final String SHADOW_REJECTED_EVENT = "sluice.breaker.shadow_rejected";

  final Meter meter;

  /** The log lines of transitions, limited per policy. */
  final TransitionLog transitionLog = new TransitionLog();

  private final boolean counting;
  private final List<Runnable> transitionListeners = new CopyOnWriteArrayList<>();
  private final FirstFailureLog listenerFailureLog =
      new FirstFailureLog(logger, "a breaker transition listener failed");

  BreakerTelemetry(MeterProvider meterProvider) {
    meter = meterProvider.get(INSTRUMENTATION_SCOPE);
    // nothing reads the counts when metrics are off
    counting = meterProvider != MeterProvider.noop();
  }

  /**
   * Counts a call for {@code sluice.breaker.calls}. The counter is asynchronous (see {@link
   * #observeCalls}): a synchronous one costs a meter's attribute lookup on every call (about 15 ns
   * with the SDK), a {@link java.util.concurrent.atomic.LongAdder} a few.
   */
  void count(ManagedBreaker breaker, Outcome outcome) {
    if (counting) {
      breaker.count(outcome);
    }
  }

  /**
   * Registers {@code sluice.breaker.calls}, reporting the counts of the breakers {@code breakers}
   * visits. A breaker's counts live as long as it does: one evicted from the cache and created
   * again starts from zero, which backends read as a counter reset.
   */
  ObservableLongCounter observeCalls(Consumer<Consumer<ManagedBreaker>> breakers) {
    return meter
        .counterBuilder("sluice.breaker.calls")
        .setDescription("Calls through Sluice circuit breakers, by outcome")
        .setUnit("{call}")
        .buildWithCallback(
            measurement ->
                breakers.accept(
                    breaker -> {
                      for (Outcome outcome : Outcome.values()) {
                        long count = breaker.countOf(outcome);
                        if (count > 0) {
                          measurement.record(count, breaker.outcomeAttributes(outcome));
                        }
                      }
                    }));
  }

  /**
   * Registers {@code sluice.breaker.transitions}, reporting the transition counts of the breakers
   * {@code breakers} visits. Asynchronous for the same reason as {@link #observeCalls}'s counts
   * live in the breaker: a breaker evicted, or dropped with its policy, is no longer reported. A
   * synchronous counter keeps every series it was given for the life of the process, so a policy
   * over many hosts would have its transitions reported for hosts long gone, and past the SDK's
   * cardinality limit every breaker's transitions in one overflow series.
   */
  ObservableLongCounter observeTransitions(Consumer<Consumer<ManagedBreaker>> breakers) {
    return meter
        .counterBuilder("sluice.breaker.transitions")
        .setDescription(
            "Circuit breaker state transitions (in shadow mode: the transitions it would make)")
        .setUnit("{transition}")
        .buildWithCallback(
            measurement ->
                breakers.accept(
                    breaker -> {
                      for (int slot = 0; slot < ManagedBreaker.TRANSITION_SLOTS; slot++) {
                        long count = breaker.transitionCount(slot);
                        if (count > 0) {
                          measurement.record(count, breaker.transitionAttributes(slot));
                        }
                      }
                    }));
  }

  /**
   * Counts a transition of {@code breaker}, under its lock, for {@code sluice.breaker.transitions}
   * (see {@link #observeTransitions}).
   */
  void countTransition(
      ManagedBreaker breaker, CircuitBreaker.State from, CircuitBreaker.State to, boolean shadow) {
    if (counting) {
      breaker.countTransition(from, to, shadow);
    }
  }

  /**
   * Tells the listeners of a transition, outside the breaker's lock (see {@code
   * ManagedBreaker#tell}); one that throws stops none of the others.
   */
  void tellListeners() {
    for (Runnable listener : transitionListeners) {
      try {
        listener.run();
      } catch (RuntimeException | LinkageError e) {
        listenerFailureLog.log(e);
      }
    }
  }

  void addTransitionListener(Runnable listener) {
    transitionListeners.add(listener);
  }

  void removeTransitionListener(Runnable listener) {
    transitionListeners.remove(listener);
  }

  /**
   * Marks the current span with an event; a CLIENT span (the call that did not leave the process)
   * also gets an error status unless only in shadow mode. A SERVER or INTERNAL span is left with
   * its status: the app may well answer its own caller successfully (a fallback).
   */
  static void onRejected(Attributes eventAttributes, String message, boolean shadow) {
    onRejected(Span.current(), eventAttributes, message, shadow);
  }

  static void onRejected(Span span, Attributes eventAttributes, String message, boolean shadow) {
    if (!span.getSpanContext().isValid()) {
      return;
    }
    if (shadow) {
      span.addEvent(SHADOW_REJECTED_EVENT, eventAttributes);
    } else {
      span.addEvent(REJECTED_EVENT, eventAttributes);
      if (span instanceof ReadableSpan readable && readable.getKind() == SpanKind.CLIENT) {
        span.setStatus(StatusCode.ERROR, message);
      }
    }
  }
}
