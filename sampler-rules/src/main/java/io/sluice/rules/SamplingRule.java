package io.sluice.rules;

import java.util.List;
import java.util.Objects;

/**
 * One sampling rule: spans that {@code match} are kept with probability {@code ratio}, decided from
 * the trace id, and at most {@code maxPerSecond} per second in each process.
 *
 * <p>The sampler records the deciding rule's name on the spans it keeps, and {@link
 * #DEFAULT_RULE_NAME} or {@link #PARENT_RULE_NAME} when no rule decided. Those two names are
 * therefore reserved ({@link #RESERVED_NAMES}): a document being written may not give them to a
 * rule (see {@link RuleCodec#parseFor}), since its spans could not be told apart from those.
 *
 * @param name unique within the document, not reserved; recorded on the spans it keeps
 * @param match which spans the rule applies to
 * @param ratio in [0, 1]
 * @param maxPerSecond the per-process cap on spans kept per second, or {@code null} for no cap
 */
public record SamplingRule(String name, SpanMatch match, double ratio, Integer maxPerSecond) {

  /** The rule name recorded on a span kept by {@code defaultRatio}, when no rule matched. */
  public static final String DEFAULT_RULE_NAME = "default";

  /** The rule name recorded on a span that followed its parent's sampled flag. */
  public static final String PARENT_RULE_NAME = "parent";

  /**
   * The names no rule may take, compared exactly (as duplicate names are, and as a span's attribute
   * is read): {@code Default} is a name of its own.
   */
  public static final List<String> RESERVED_NAMES = List.of(DEFAULT_RULE_NAME, PARENT_RULE_NAME);

  public SamplingRule {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(match, "match");
  }
}
