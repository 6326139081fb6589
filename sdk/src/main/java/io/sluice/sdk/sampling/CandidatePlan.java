package io.sluice.sdk.sampling;

import io.opentelemetry.api.common.Attributes;
import io.sluice.rules.CompiledRules;
import io.sluice.rules.Glob;
import java.util.ArrayList;
import java.util.List;

/**
 * The attribute conditions of a few candidate rules for one span name and kind, checked attribute
 * by attribute: the common shape (a handful of rules on one to a few attributes such as {@code
 * url.path} and {@code http.request.method}), where the per-thread scratch and prefix tries of
 * {@link SpanRuleIndex} cost more than they save.
 *
 * <p>Design note. The candidates are bits of a {@code long}, all alive at first. Each attribute the
 * candidates test is read once and every condition on it is checked right away, clearing the bit of
 * a rule whose condition fails, so no value needs to be kept (nothing is allocated, no thread-local
 * is touched). Attributes are visited in the order the candidates first test them; as soon as the
 * first live candidate has had all its attributes checked, it is the answer. When no candidate is
 * left, the first rule without attribute conditions after them is.
 */
final class CandidatePlan {

  /** The most candidate rules a plan is built for; more go through the prefix tries instead. */
  static final int MAX_RULES = 16;

  private final int[] rules;
  private final int[] slotKeys;
  private final int[] slotStart;
  private final int[] conditionBit;
  private final Glob[] globs;
  private final int[] lastSlot;
  private final long allAlive;
  private final int firstFree;
  private final OtelAttributeReader reader;

  /**
   * @param rules candidate rule indexes, in order (at most {@link #MAX_RULES})
   * @param keys per candidate, the attribute key indexes it tests
   * @param values per candidate, the globs those keys must match
   * @param firstFree the first rule without attribute conditions after the candidates, or {@link
   *     CompiledRules#NO_MATCH}
   */
  CandidatePlan(
      int[] rules, int[][] keys, Glob[][] values, int firstFree, OtelAttributeReader reader) {
    if (rules.length == 0 || rules.length > MAX_RULES) {
      throw new IllegalArgumentException("1 to " + MAX_RULES + " rules: " + rules.length);
    }
    this.rules = rules;
    this.firstFree = firstFree;
    this.reader = reader;
    this.allAlive = (1L << rules.length) - 1;
    List<Integer> order = new ArrayList<>();
    for (int[] ruleKeys : keys) {
      for (int key : ruleKeys) {
        if (!order.contains(key)) {
          order.add(key);
        }
      }
    }
    slotKeys = order.stream().mapToInt(Integer::intValue).toArray();
    slotStart = new int[slotKeys.length + 1];
    List<Integer> bits = new ArrayList<>();
    List<Glob> conditionGlobs = new ArrayList<>();
    lastSlot = new int[rules.length];
    for (int s = 0; s < slotKeys.length; s++) {
      slotStart[s] = bits.size();
      for (int r = 0; r < rules.length; r++) {
        for (int j = 0; j < keys[r].length; j++) {
          if (keys[r][j] == slotKeys[s]) {
            bits.add(r);
            conditionGlobs.add(values[r][j]);
            lastSlot[r] = s;
          }
        }
      }
    }
    slotStart[slotKeys.length] = bits.size();
    conditionBit = bits.stream().mapToInt(Integer::intValue).toArray();
    globs = conditionGlobs.toArray(new Glob[0]);
  }

  /** The first candidate whose conditions hold, else {@code firstFree}. */
  int match(Attributes attributes) {
    long alive = allAlive;
    for (int s = 0; s < slotKeys.length; s++) {
      String value = reader.read(attributes, slotKeys[s]);
      for (int c = slotStart[s], end = slotStart[s + 1]; c < end; c++) {
        long bit = 1L << conditionBit[c];
        if ((alive & bit) != 0 && (value == null || !globs[c].matches(value))) {
          alive &= ~bit;
        }
      }
      if (alive == 0) {
        return firstFree;
      }
      int first = Long.numberOfTrailingZeros(alive);
      if (lastSlot[first] <= s) {
        return rules[first];
      }
    }
    return alive == 0 ? firstFree : rules[Long.numberOfTrailingZeros(alive)];
  }
}
