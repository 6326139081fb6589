package io.sluice.sdk.sampling;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.common.Clock;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;
import io.sluice.rules.CompiledRules;
import io.sluice.sdk.ActiveRules;
import io.sluice.sdk.ActiveRulesHolder;
import io.sluice.sdk.FirstFailureLog;
import io.sluice.sdk.QuietLog;
import io.sluice.sdk.propagation.B3Deferral;
import io.sluice.sdk.propagation.B3Deny;
import java.lang.ref.WeakReference;
import java.util.List;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The sampler {@link RuleSampler} creates.
 *
 * <p>Design note: the per-snapshot state ({@link SamplerState}) is keyed by the identity of the
 * {@link ActiveRules} it was built for. A holder listener builds it as soon as a snapshot is
 * published; a decision made meanwhile (the holder puts a snapshot in force before it tells its
 * listeners) decides by the state in force until then: no rule is compiled on a request thread, and
 * no span start waits for a lock while one is. Steady-state decisions read one volatile field, find
 * the rule with {@link SpanRuleIndex} (rules pre-filtered by span name and kind) and return a
 * cached immutable {@link SamplingResult}: nothing is allocated beyond what OpenTelemetry's own
 * ratio sampler does (nothing).
 *
 * <p>Consistent probability sampling ({@code ot=th:} in {@code tracestate}) is deliberately not
 * written: its threshold is compared against the trace id's lowest 56 bits (or an explicit {@code
 * rv}), while the ratio decision here must equal {@code TraceIdRatioBased}'s, which compares the
 * absolute value of the lowest 64 bits. A {@code th} that does not describe how the decision was
 * actually made would make downstream consistent samplers and collectors draw wrong conclusions, so
 * the probability is reported as the {@code sluice.sampling.probability} span attribute instead,
 * and a parent's {@code th} is erased from the results of decisions made here ({@link
 * OwnDecision}); it travels on only when the parent's sampled flag is followed, and then only when
 * it holds for the trace ({@link ParentThreshold}: a malformed {@code th}, or one above the trace's
 * randomness, is erased too).
 */
final class RuleBasedSampler implements Sampler {

  private static final Logger logger = Logger.getLogger(RuleBasedSampler.class.getName());

  private final ActiveRulesHolder holder;
  private final Clock clock;
  private volatile SamplerState state;
  private final FirstFailureLog failureLog =
      new FirstFailureLog(logger, "sampling rules failed on a span; dropping it");

  /** The last snapshot no state could be built for (its rules are not in force here), or null. */
  private volatile ActiveRules unusable;

  RuleBasedSampler(ActiveRulesHolder holder, Clock clock) {
    this.holder = holder;
    this.clock = clock;
    this.state = firstState(holder.current());
    holder.addListener(new Refresher(this, holder));
    // a snapshot published between the first build and the listener's registration is told to no
    // listener of this sampler, and decisions do not look for one: catch up with it here
    refresh();
  }

  /**
   * Builds a sampler's state as soon as a snapshot is published, off the request path. It holds the
   * sampler weakly: an app that builds a new tracer provider (and sampler) over a long-lived holder
   * must not keep every earlier sampler alive; the listener of a collected sampler removes itself
   * at the next snapshot.
   */
  private static final class Refresher implements Consumer<ActiveRules> {

    private final WeakReference<RuleBasedSampler> sampler;
    private final ActiveRulesHolder holder;

    Refresher(RuleBasedSampler sampler, ActiveRulesHolder holder) {
      this.sampler = new WeakReference<>(sampler);
      this.holder = holder;
    }

    @Override
    public void accept(ActiveRules rules) {
      RuleBasedSampler s = sampler.get();
      if (s == null) {
        holder.removeListener(this);
      } else {
        s.refresh();
      }
    }
  }

  @Override
  public SamplingResult shouldSample(
      Context parentContext,
      String traceId,
      String name,
      SpanKind spanKind,
      Attributes attributes,
      List<LinkData> parentLinks) {
    SamplerState s = state;
    if (s.respectParentDecision) {
      SpanContext parent = Span.fromContext(parentContext).getSpanContext();
      if (parent.isValid()) {
        if (parent.isSampled()) {
          return ParentThreshold.holds(parent.getTraceState(), traceId)
              ? s.parentKeep
              : s.parentKeepErasingThreshold;
        }
        if (!parent.isRemote() || !B3Deferral.isDeferred(parentContext)) {
          return SamplingResult.drop();
        }
        // a B3 caller left the decision to us ("defer"): the rules decide
      } else if (B3Deny.isDenied(parentContext)) {
        // a B3 caller said "deny" without ids: honoured like an unsampled remote parent
        return SamplingResult.drop();
      }
    }
    try {
      int i = s.index.match(name, spanKind, attributes, traceId);
      if (i == SpanRuleIndex.DROP) {
        return OwnDecision.DROP;
      }
      if (i == CompiledRules.NO_MATCH) {
        return s.defaultRatio.keeps(traceId) ? s.defaultKeep : OwnDecision.DROP;
      }
      if (!s.ratios[i].keeps(traceId)) {
        return OwnDecision.DROP;
      }
      TokenBucket bucket = s.buckets[i];
      if (bucket == null) {
        return s.keepResults[i];
      }
      return bucket.tryTake() ? s.cappedKeep(i, bucket.share()) : OwnDecision.DROP;
    } catch (RuntimeException | LinkageError e) {
      failureLog.log(e);
      return OwnDecision.DROP;
    }
  }

  /**
   * Builds the state for the holder's current rules unless it is already built; returns the state
   * in force. Always the current rules, never the snapshot a caller happened to read: a thread that
   * read an older snapshot and waited for the lock must not set the state back.
   */
  private synchronized SamplerState refresh() {
    SamplerState s = state;
    ActiveRules rules = holder.current();
    if (s.rules == rules || rules == unusable) {
      return s;
    }
    SamplerState next;
    try {
      next = new SamplerState(rules, s, clock);
    } catch (RuntimeException | LinkageError e) {
      // a snapshot built in code, past RuleCodec's validation: keep deciding by the rules in force
      // rather than throw into every span start
      unusable = rules;
      // quietly: a broken log handler must not fail the app's span start either
      QuietLog.write(
          logger,
          Level.WARNING,
          "cannot sample by the rules of revision "
              + rules.revision()
              + "; the sampler keeps the rules of revision "
              + s.rules.revision(),
          e);
      return s;
    }
    state = next;
    return next;
  }

  /**
   * The state for the snapshot in force when the sampler is made; for one it cannot sample by
   * (built in code past validation, as {@link #refresh} keeps out later), the built-in defaults'
   * until rules it can use are published: building a tracer provider must not throw for it either.
   */
  private SamplerState firstState(ActiveRules rules) {
    try {
      return new SamplerState(rules, null, clock);
    } catch (RuntimeException | LinkageError e) {
      unusable = rules;
      ActiveRules defaults = ActiveRules.defaults(rules.document().service());
      QuietLog.write(
          logger,
          Level.WARNING,
          "cannot sample by the rules of revision "
              + rules.revision()
              + "; the sampler runs the built-in defaults until rules it can use are published",
          e);
      return new SamplerState(defaults, null, clock);
    }
  }

  @Override
  public String getDescription() {
    SamplerState s = state;
    ActiveRules current = holder.current();
    return (s.rules == current || current == unusable ? s : refresh()).description;
  }

  @Override
  public String toString() {
    return getDescription();
  }
}
