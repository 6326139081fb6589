package io.sluice.rules;

import java.util.List;

/**
 * How a service samples its spans: the first {@link SamplingRule} whose match holds decides; when
 * none does, {@code defaultRatio} applies.
 *
 * @param defaultRatio the ratio of traces kept when no rule matches, in [0, 1]
 * @param respectParentDecision when true, a span with a valid parent (remote or local) follows the
 *     parent's sampled flag and the rules are not consulted
 * @param rules rules tried in order
 */
public record SamplingPolicy(
    double defaultRatio, boolean respectParentDecision, List<SamplingRule> rules) {

  /** Keep everything, follow the parent: the OpenTelemetry SDK's own default. */
  public static final SamplingPolicy DEFAULT = new SamplingPolicy(1.0, true, List.of());

  public SamplingPolicy {
    rules = List.copyOf(rules);
  }
}
