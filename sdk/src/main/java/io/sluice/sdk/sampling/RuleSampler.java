package io.sluice.sdk.sampling;

import io.opentelemetry.sdk.common.Clock;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.sluice.sdk.ActiveRulesHolder;
import java.util.Objects;

/**
 * Creates the rule-driven OpenTelemetry {@link Sampler}: every decision reads the current {@link
 * io.sluice.sdk.ActiveRules} snapshot of a holder, so a rule change published by a rule source
 * takes effect on the next span without rebuilding the tracer provider.
 *
 * <p>Per decision, in order:
 *
 * <ol>
 *   <li>with {@code respectParentDecision}, a span with a valid parent (remote or local) follows
 *       the parent's sampled flag, unless the parent came from B3 headers that made no decision
 *       (B3's "defer", see {@link io.sluice.sdk.propagation.B3Deferral}): then the rules decide;
 *       and a span without a valid parent is dropped when the B3 headers its context was extracted
 *       from hold B3's bare "deny" and no ids ({@code b3: 0}, see {@link
 *       io.sluice.sdk.propagation.B3Deny});
 *   <li>otherwise the first sampling rule whose match holds (span name, kind, start attributes)
 *       decides: its {@code ratio} is applied to the trace id exactly like {@link
 *       Sampler#traceIdRatioBased(double)} (so services with the same ratio keep the same traces),
 *       then its {@code maxPerSecond} cap (a lock-free token bucket per rule) applies to what the
 *       ratio kept;
 *   <li>when no rule matches, {@code defaultRatio} applies, again from the trace id.
 * </ol>
 *
 * <p>Sampled spans carry {@value SamplingAttributes#RULE} (the rule's name, {@code default} or
 * {@code parent}), {@value SamplingAttributes#REVISION} and, for rule and default decisions,
 * {@value SamplingAttributes#PROBABILITY} (the ratio; under a rule's {@code maxPerSecond} cap that
 * drops spans, times the share of spans the cap let through in the last whole second), so a backend
 * can extrapolate counts.
 *
 * <p>Usage: {@code SdkTracerProvider.builder().setSampler(RuleSampler.create(holder))}.
 */
public final class RuleSampler {

  private RuleSampler() {}

  /** A sampler that decides from {@code holder}'s current rules, with the system clock. */
  public static Sampler create(ActiveRulesHolder holder) {
    return create(holder, Clock.getDefault());
  }

  /**
   * A sampler that decides from {@code holder}'s current rules; {@code clock}'s {@link
   * Clock#nanoTime()} drives the {@code maxPerSecond} token buckets (tests pass a fake one).
   */
  public static Sampler create(ActiveRulesHolder holder, Clock clock) {
    Objects.requireNonNull(holder, "holder");
    Objects.requireNonNull(clock, "clock");
    return new RuleBasedSampler(holder, clock);
  }
}
