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
 *
 * <p>Where several conditions test one attribute, most fail on their literal prefix (for {@code
 * url.path} rules: {@code /api/orders/**} against {@code /health}). So the value's first {@value
 * #PACKED} characters are packed into a {@code long} once, and a condition whose prefix (up to
 * {@value #PACKED} characters) differs is rejected with one mask and compare, without running its
 * glob.
 *
 * <p>Most spans are dropped. {@link SpanRuleIndex} asks before any read whether the best ratio
 * among the candidates and the fallback keeps the trace; a plan asks again before each further
 * attribute read once the candidates left have a lower best ratio (for example, after {@code
 * url.path} ruled out the rules that keep everything): when that one drops the trace, every outcome
 * would, and the plan answers {@link SpanRuleIndex#DROP} without reading the rest.
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
  private final boolean[] packSlot;
  private final long[] prefixBits;
  private final long[] prefixMask;
  private final int[] prefixLength;
  private final long allAlive;
  private final long[] bounds;
  private final long fallbackBound;
  private final long highestBound;
  private final int firstFree;
  private final OtelAttributeReader reader;

  /**
   * @param rules candidate rule indexes, in order (at most {@link #MAX_RULES})
   * @param keys per candidate, the attribute key indexes it tests
   * @param values per candidate, the globs those keys must match
   * @param ratios per candidate, its ratio decision
   * @param firstFree the first rule without attribute conditions after the candidates, or {@link
   *     CompiledRules#NO_MATCH}
   * @param fallback the ratio decision of {@code firstFree}, else of the default ratio
   */
  CandidatePlan(
      int[] rules,
      int[][] keys,
      Glob[][] values,
      TraceIdRatio[] ratios,
      int firstFree,
      TraceIdRatio fallback,
      OtelAttributeReader reader) {
    if (rules.length == 0 || rules.length > MAX_RULES) {
      throw new IllegalArgumentException("1 to " + MAX_RULES + " rules: " + rules.length);
    }
    this.rules = rules;
    this.firstFree = firstFree;
    this.fallbackBound = fallback.bound();
    this.bounds = new long[rules.length];
    long highest = fallbackBound;
    for (int r = 0; r < rules.length; r++) {
      bounds[r] = ratios[r].bound();
      highest = Math.max(highest, bounds[r]);
    }
    this.highestBound = highest;
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
    prefixBits = new long[globs.length];
    prefixMask = new long[globs.length];
    prefixLength = new int[globs.length];
    for (int c = 0; c < globs.length; c++) {
      String prefix = packablePrefix(globs[c].pattern());
      prefixLength[c] = prefix.length();
      prefixBits[c] = pack(prefix, prefix.length());
      prefixMask[c] = prefix.length() == PACKED ? -1L : (1L << (8 * prefix.length())) - 1;
    }
    packSlot = new boolean[slotKeys.length];
    for (int slot = 0; slot < slotKeys.length; slot++) {
      packSlot[slot] = slotStart[slot + 1] - slotStart[slot] >= 2;
    }
  }

  /** How many leading characters of a value are packed. */
  static final int PACKED = 8;

  /** The glob's literal start, cut at {@value #PACKED} characters or a non-Latin-1 character. */
  private static String packablePrefix(String pattern) {
    int end = 0;
    while (end < pattern.length()
        && end < PACKED
        && pattern.charAt(end) != '*'
        && pattern.charAt(end) < 256) {
      end++;
    }
    return pattern.substring(0, end);
  }

  /** The first {@code n} characters of {@code s}, one per byte, the first in the lowest byte. */
  private static long pack(String s, int n) {
    long bits = 0;
    for (int i = 0; i < n; i++) {
      bits |= (long) s.charAt(i) << (8 * i);
    }
    return bits;
  }

  /**
   * The first candidate whose conditions hold, else {@code firstFree}; or, when {@code traceId} is
   * given, {@link SpanRuleIndex#DROP} once no outcome left could keep it.
   */
  int match(Attributes attributes, String traceId) {
    long alive = allAlive;
    long checked = highestBound;
    for (int s = 0; s < slotKeys.length; s++) {
      if (s > 0 && traceId != null) {
        long bound = bestBound(alive);
        if (bound < checked) {
          if (!TraceIdRatio.keeps(traceId, bound)) {
            return SpanRuleIndex.DROP;
          }
          checked = bound;
        }
      }
      String value = reader.read(attributes, slotKeys[s]);
      int packed = 0;
      long valueBits = 0;
      if (value != null && packSlot[s]) {
        // A character past Latin-1 spills into the next byte. That only matters to a prefix that
        // covers its position, and such a prefix (Latin-1 only) differs from the value there
        // anyway: the compare may then pass to the glob, which says no, but never rejects wrongly.
        packed = Math.min(value.length(), PACKED);
        valueBits = pack(value, packed);
      }
      for (int c = slotStart[s], end = slotStart[s + 1]; c < end; c++) {
        long bit = 1L << conditionBit[c];
        if ((alive & bit) != 0
            && (value == null
                || (prefixLength[c] <= packed && (valueBits & prefixMask[c]) != prefixBits[c])
                || !globs[c].matches(value))) {
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

  /** The highest bound among the live candidates and the fallback. */
  private long bestBound(long alive) {
    long best = fallbackBound;
    for (long left = alive; left != 0; left &= left - 1) {
      best = Math.max(best, bounds[Long.numberOfTrailingZeros(left)]);
    }
    return best;
  }
}
