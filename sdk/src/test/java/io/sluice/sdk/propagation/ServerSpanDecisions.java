package io.sluice.sdk.propagation;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.samplers.SamplingDecision;
import io.sluice.rules.CompiledRules;
import io.sluice.rules.RuleDocument;
import io.sluice.rules.SamplingPolicy;
import io.sluice.sdk.ActiveRules;
import io.sluice.sdk.ActiveRulesHolder;
import io.sluice.sdk.sampling.RuleSampler;
import java.util.List;

/**
 * What the rule sampler decides for a SERVER span under an extracted context: how the propagation
 * tests see whether a header's sampling decision reaches the sampler.
 */
final class ServerSpanDecisions {

  /** The trace id of a span that starts a new trace (its context holds no valid parent). */
  static final String ROOT_TRACE = "463ac35c9f6413ad48485a3953bb6124";

  private ServerSpanDecisions() {}

  /**
   * Whether the rule sampler keeps a SERVER span under {@code parent} (a new trace when it holds no
   * valid span), deciding by {@code ratio} with no rules but the default.
   */
  static boolean keeps(Context parent, double ratio, boolean respectParentDecision) {
    SpanContext remote = Span.fromContext(parent).getSpanContext();
    ActiveRulesHolder holder =
        new ActiveRulesHolder(
            new ActiveRules(
                CompiledRules.compile(
                    new RuleDocument(
                        1,
                        "orders",
                        new SamplingPolicy(ratio, respectParentDecision, List.of()),
                        List.of())),
                1,
                ActiveRules.Source.ETCD));
    return RuleSampler.create(holder)
            .shouldSample(
                parent,
                remote.isValid() ? remote.getTraceId() : ROOT_TRACE,
                "GET /x",
                SpanKind.SERVER,
                Attributes.empty(),
                List.of())
            .getDecision()
        == SamplingDecision.RECORD_AND_SAMPLE;
  }
}
