package io.sluice.rules;

import java.util.Objects;

/**
 * One sampling rule: spans that {@code match} are kept with probability {@code ratio}, decided from
 * the trace id, and at most {@code maxPerSecond} per second in each process.
 *
 * @param name unique within the document; recorded on the spans it keeps
 * @param match which spans the rule applies to
 * @param ratio in [0, 1]
 * @param maxPerSecond the per-process cap on spans kept per second, or {@code null} for no cap
 */
public record SamplingRule(String name, SpanMatch match, double ratio, Integer maxPerSecond) {

  public SamplingRule {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(match, "match");
  }
}
