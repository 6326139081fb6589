package io.sluice.sdk.sampling;

import io.opentelemetry.api.common.AttributeKey;
import io.sluice.rules.SamplingRule;

/**
 * The attributes {@link RuleSampler} puts on the spans it keeps, so a backend can tell which rule
 * kept a span, under which rules revision, and with which probability (to extrapolate counts).
 */
public final class SamplingAttributes {

  /**
   * The deciding rule's name; {@code default} when no rule matched, {@code parent} when followed.
   */
  public static final String RULE = "sluice.sampling.rule";

  /** The etcd revision of the rules that decided (0 for defaults or a file). */
  public static final String REVISION = "sluice.rules.revision";

  /**
   * The probability in (0, 1] with which the span was kept, so a backend can extrapolate counts:
   * the deciding ratio, times, for a rule whose rate cap drops spans, the share of spans the cap
   * let through in the last whole one-second window (at steady traffic, the share it lets through
   * now); absent when the parent's decision was followed.
   */
  public static final String PROBABILITY = "sluice.sampling.probability";

  /** {@link #RULE} as a typed key. */
  public static final AttributeKey<String> RULE_KEY = AttributeKey.stringKey(RULE);

  /** {@link #REVISION} as a typed key. */
  public static final AttributeKey<Long> REVISION_KEY = AttributeKey.longKey(REVISION);

  /** {@link #PROBABILITY} as a typed key. */
  public static final AttributeKey<Double> PROBABILITY_KEY = AttributeKey.doubleKey(PROBABILITY);

  /**
   * The {@link #RULE} value when no rule matched and {@code defaultRatio} decided; a name the rule
   * language reserves, so no document written since can give it to a rule.
   */
  public static final String DEFAULT_RULE = SamplingRule.DEFAULT_RULE_NAME;

  /**
   * The {@link #RULE} value when the parent's sampled flag was followed; a name the rule language
   * reserves, so no document written since can give it to a rule.
   */
  public static final String PARENT_RULE = SamplingRule.PARENT_RULE_NAME;

  private SamplingAttributes() {}
}
