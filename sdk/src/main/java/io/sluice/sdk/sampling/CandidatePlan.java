package io.sluice.sdk.sampling;

import io.opentelemetry.api.common.Attributes;
import io.sluice.rules.CompiledRules;
import io.sluice.rules.Glob;

/**
 * The attribute conditions of a few candidate rules for one span name and kind, checked in order
 * with no shared state: the common shape (a handful of rules on one to four attributes such as
 * {@code url.path} and {@code http.request.method}), where the per-thread scratch and prefix tries
 * of {@link SpanRuleIndex} cost more than they save.
 *
 * <p>Each distinct attribute key has a slot; a slot's value is read at most once per decision, on
 * first use, into a local variable (four slots, so nothing is allocated and no thread-local is
 * touched). Conditions are flattened: rule {@code r} of {@link #rules} owns conditions {@code
 * start[r]} to {@code start[r + 1]}.
 */
final class CandidatePlan {

  /** The most distinct attribute keys a plan can hold. */
  static final int MAX_SLOTS = 4;

  /** The most candidate rules a plan is built for; more go through the prefix tries instead. */
  static final int MAX_RULES = 16;

  private final int[] rules;
  private final int[] start;
  private final int[] slotOf;
  private final Glob[] globs;
  private final int[] slotKeys;
  private final int firstFree;
  private final OtelAttributeReader reader;

  /**
   * @param rules candidate rule indexes in order
   * @param start per rule, the index of its first condition; one more entry ends the last rule
   * @param slotOf per condition, its slot
   * @param globs per condition, its value glob
   * @param slotKeys per slot, the attribute key index the reader resolves
   * @param firstFree the first rule without attribute conditions after the candidates, or {@link
   *     CompiledRules#NO_MATCH}
   */
  CandidatePlan(
      int[] rules,
      int[] start,
      int[] slotOf,
      Glob[] globs,
      int[] slotKeys,
      int firstFree,
      OtelAttributeReader reader) {
    if (slotKeys.length > MAX_SLOTS) {
      throw new IllegalArgumentException("at most " + MAX_SLOTS + " slots: " + slotKeys.length);
    }
    this.rules = rules;
    this.start = start;
    this.slotOf = slotOf;
    this.globs = globs;
    this.slotKeys = slotKeys;
    this.firstFree = firstFree;
    this.reader = reader;
  }

  /** The first candidate whose conditions hold, else {@code firstFree}. */
  int match(Attributes attributes) {
    String v0 = null;
    String v1 = null;
    String v2 = null;
    String v3 = null;
    int read = 0;
    for (int r = 0; r < rules.length; r++) {
      boolean holds = true;
      for (int c = start[r], end = start[r + 1]; c < end; c++) {
        int slot = slotOf[c];
        String value;
        if ((read & (1 << slot)) == 0) {
          read |= 1 << slot;
          value = reader.read(attributes, slotKeys[slot]);
          switch (slot) {
            case 0:
              v0 = value;
              break;
            case 1:
              v1 = value;
              break;
            case 2:
              v2 = value;
              break;
            default:
              v3 = value;
          }
        } else {
          value = slot == 0 ? v0 : slot == 1 ? v1 : slot == 2 ? v2 : v3;
        }
        if (value == null || !globs[c].matches(value)) {
          holds = false;
          break;
        }
      }
      if (holds) {
        return rules[r];
      }
    }
    return firstFree;
  }
}
