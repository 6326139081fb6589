package io.sluice.sdk.sampling;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.common.Clock;
import io.opentelemetry.sdk.trace.samplers.SamplingDecision;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;
import io.sluice.rules.SamplingPolicy;
import io.sluice.rules.SamplingRule;
import io.sluice.sdk.ActiveRules;
import java.util.List;

/**
 * Everything {@link RuleBasedSampler} needs for one {@link ActiveRules} snapshot, built once per
 * snapshot off the request path: per-rule trace-id ratio decisions, token buckets and immutable
 * results (with their attributes), the attribute reader with resolved keys, and the description.
 * Arrays are aligned with the document's sampling rules.
 */
final class SamplerState {

  final ActiveRules rules;
  final boolean respectParentDecision;
  final OtelAttributeReader reader;
  final SpanRuleIndex index;
  final TraceIdRatio[] ratios;
  final TokenBucket[] buckets;
  final SamplingResult[] keepResults;
  final TraceIdRatio defaultRatio;
  final SamplingResult defaultKeep;
  final SamplingResult parentKeep;

  /** {@link #parentKeep} for a parent whose {@code th} does not hold ({@link ParentThreshold}). */
  final SamplingResult parentKeepErasingThreshold;

  final String description;

  /**
   * Per capped rule, the kept result for the share its cap let through last (see {@link
   * #cappedKeep}), or null. Written without a lock: each element is immutable, and a thread that
   * misses another's write builds an equal one.
   */
  private final CappedKeep[] cappedKeeps;

  SamplerState(ActiveRules rules, SamplerState previous, Clock clock) {
    this.rules = rules;
    SamplingPolicy policy = rules.document().sampling();
    this.respectParentDecision = policy.respectParentDecision();
    this.reader = new OtelAttributeReader(rules.rules().attributeKeys());
    List<SamplingRule> list = policy.rules();
    this.index =
        new SpanRuleIndex(list, policy.defaultRatio(), rules.rules().attributeKeys(), reader);
    int n = list.size();
    ratios = new TraceIdRatio[n];
    buckets = new TokenBucket[n];
    keepResults = new SamplingResult[n];
    cappedKeeps = new CappedKeep[n];
    for (int i = 0; i < n; i++) {
      SamplingRule rule = list.get(i);
      ratios[i] = TraceIdRatio.of(rule.ratio());
      if (rule.maxPerSecond() != null) {
        TokenBucket before = previous == null ? null : previous.bucketFor(rule);
        buckets[i] =
            before == null
                ? new TokenBucket(rule.maxPerSecond(), clock)
                : before.retuned(rule.maxPerSecond());
      }
      keepResults[i] = keep(rule.name(), rules.revision(), rule.ratio());
    }
    defaultRatio = TraceIdRatio.of(policy.defaultRatio());
    defaultKeep = keep(SamplingAttributes.DEFAULT_RULE, rules.revision(), policy.defaultRatio());
    parentKeep =
        SamplingResult.create(
            SamplingDecision.RECORD_AND_SAMPLE,
            Attributes.of(
                SamplingAttributes.RULE_KEY,
                SamplingAttributes.PARENT_RULE,
                SamplingAttributes.REVISION_KEY,
                rules.revision()));
    parentKeepErasingThreshold = OwnDecision.keep(parentKeep.getAttributes());
    description =
        "RuleSampler{service="
            + rules.document().service()
            + ", revision="
            + rules.revision()
            + ", source="
            + rules.source()
            + ", rules="
            + n
            + ", defaultRatio="
            + policy.defaultRatio()
            + ", respectParentDecision="
            + respectParentDecision
            + "}";
  }

  /**
   * The token bucket of a capped rule of the same name in this state, so an unrelated rule change
   * does not refill every bucket, and a changed cap goes on from the tokens left.
   */
  private TokenBucket bucketFor(SamplingRule rule) {
    List<SamplingRule> list = rules.document().sampling().rules();
    for (int i = 0; i < list.size(); i++) {
      if (list.get(i).name().equals(rule.name()) && buckets[i] != null) {
        return buckets[i];
      }
    }
    return null;
  }

  /**
   * The result for a span rule {@code i} kept through its rate cap, which let through {@code share}
   * of the spans offered to it lately: its probability is the ratio times that share. The share
   * changes at most once a second, so its result is built once per change, not per span.
   */
  SamplingResult cappedKeep(int i, double share) {
    if (share >= 1.0) {
      return keepResults[i];
    }
    CappedKeep cached = cappedKeeps[i];
    if (cached != null && cached.share == share) {
      return cached.result;
    }
    SamplingRule rule = rules.document().sampling().rules().get(i);
    SamplingResult result = keep(rule.name(), rules.revision(), rule.ratio() * share);
    cappedKeeps[i] = new CappedKeep(share, result);
    return result;
  }

  /** A kept result and the cap share its probability includes. */
  private record CappedKeep(double share, SamplingResult result) {}

  private static SamplingResult keep(String rule, long revision, double probability) {
    return OwnDecision.keep(
        Attributes.of(
            SamplingAttributes.RULE_KEY,
            rule,
            SamplingAttributes.REVISION_KEY,
            revision,
            SamplingAttributes.PROBABILITY_KEY,
            probability));
  }
}
