package io.sluice.sdk.sampling;

import io.opentelemetry.api.common.Attributes;
import io.sluice.rules.CompiledRules;
import io.sluice.rules.Glob;
import io.sluice.rules.SamplingRule;
import io.sluice.rules.SpanKind;
import io.sluice.rules.SpanMatch;
import io.sluice.sdk.QuickHash;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds the first sampling rule whose match holds for a span, with the same answer as {@link
 * CompiledRules#samplingRuleIndex} (a test checks this on random rules and spans) but without
 * trying every rule on every span.
 *
 * <p>Design note. Span names have low cardinality by OpenTelemetry convention, and the name and
 * kind parts of every rule depend on nothing else. So per span name (up to {@value
 * #MAX_CACHED_NAMES} names per snapshot) and kind, the rules whose name and kind hold are computed
 * once; a decision then only checks the attribute conditions of those candidates. Up to {@value
 * CandidatePlan#MAX_RULES} candidates (the common case) are checked attribute by attribute by a
 * {@link CandidatePlan}. With more, each attribute a decision needs is read at most once (a
 * per-thread scratch array), and walked once through a {@link PrefixTrie} of the literal prefixes
 * of the globs on its key, so a glob whose prefix the value lacks is rejected without running it.
 * Past the name limit, for a name longer than {@link #MAX_CACHED_NAME_LENGTH}, or for a null name,
 * the rules are scanned directly. No path allocates once a name is cached. Span names are built per
 * request, so the cache is fronted by a table found by a hash of a few characters ({@link
 * QuickHash}): hashing a new string whole cost more than the rest of a decision by name.
 *
 * <p>Most spans are dropped, and reading attributes is the expensive part of a decision. So given
 * the trace id, a decision first asks whether any rule that could still match (or the fallback: the
 * first rule without attribute conditions, else the default ratio) would keep the trace at its
 * ratio. Ratio decisions compare one number taken from the trace id against a bound that grows with
 * the ratio, so that is one decision at the highest of their ratios; when it drops the trace, every
 * outcome would, and {@link #DROP} is the answer without a single attribute read.
 */
final class SpanRuleIndex {

  static final int MAX_CACHED_NAMES = 2048;

  /**
   * Names longer than this are scanned, never cached: span names are meant to be short and few, but
   * some are SQL text or full URLs, and 2048 of those could hold megabytes until the next snapshot.
   */
  static final int MAX_CACHED_NAME_LENGTH = 256;

  /** Slots of the table that fronts the name cache (see {@link QuickHash}). */
  private static final int FRONT_SLOTS = 1024;

  /**
   * What {@link #match(String, io.opentelemetry.api.trace.SpanKind, Attributes, String)} answers
   * when every rule that could match, and the fallback, drop the trace at their ratio.
   */
  static final int DROP = -2;

  private static final int NULL_KIND = 5;
  private static final SpanKind[] KINDS = kinds();
  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  private final Glob[] names;
  private final SpanKind[] kinds;
  private final int[][] keys;
  private final Glob[][] values;
  private final int[][] conditionIds;
  private final int[] conditionRules;
  private final PrefixTrie[] tries;
  private final OtelAttributeReader reader;
  private final int keyCount;
  private final int conditionCount;
  private final Entry[] nullName;
  private final Map<String, Entry[]> byName = new ConcurrentHashMap<>();
  private final double[] ratios;
  private final double defaultRatio;

  /**
   * A front for {@link #byName}, found by {@link QuickHash} instead of the name's full hash: span
   * names are built per request, and hashing each new string costs more than the rest of a
   * decision. A slot holds the first cached name that lands in it; written without a lock (each
   * element is immutable; a thread that misses another's write looks in {@code byName}).
   */
  private final Named[] fronts = new Named[FRONT_SLOTS];

  /** A cached name and its candidates. */
  private record Named(String name, Entry[] perKind) {}

  SpanRuleIndex(
      List<SamplingRule> rules,
      double defaultRatio,
      List<String> attributeKeys,
      OtelAttributeReader reader) {
    int n = rules.size();
    this.defaultRatio = defaultRatio;
    this.ratios = new double[n];
    names = new Glob[n];
    kinds = new SpanKind[n];
    keys = new int[n][];
    values = new Glob[n][];
    conditionIds = new int[n][];
    List<List<String>> patternsByKey = new ArrayList<>();
    List<List<Integer>> idsByKey = new ArrayList<>();
    for (int k = 0; k < attributeKeys.size(); k++) {
      patternsByKey.add(new ArrayList<>());
      idsByKey.add(new ArrayList<>());
    }
    int conditions = 0;
    for (int i = 0; i < n; i++) {
      SpanMatch m = rules.get(i).match();
      ratios[i] = rules.get(i).ratio();
      names[i] = m.spanName() == null ? null : Glob.compile(m.spanName());
      kinds[i] = m.spanKind();
      keys[i] = new int[m.attributes().size()];
      values[i] = new Glob[m.attributes().size()];
      conditionIds[i] = new int[m.attributes().size()];
      int j = 0;
      for (Map.Entry<String, String> e : m.attributes().entrySet()) {
        keys[i][j] = attributeKeys.indexOf(e.getKey());
        values[i][j] = Glob.compile(e.getValue());
        conditionIds[i][j] = conditions;
        patternsByKey.get(keys[i][j]).add(e.getValue());
        idsByKey.get(keys[i][j]).add(conditions);
        conditions++;
        j++;
      }
    }
    this.tries = new PrefixTrie[attributeKeys.size()];
    for (int k = 0; k < tries.length; k++) {
      tries[k] = new PrefixTrie(patternsByKey.get(k), idsByKey.get(k));
    }
    this.reader = reader;
    this.keyCount = attributeKeys.size();
    this.conditionCount = conditions;
    this.conditionRules = new int[conditions];
    for (int i = 0; i < n; i++) {
      for (int id : conditionIds[i]) {
        conditionRules[id] = i;
      }
    }
    this.nullName = candidates(null);
  }

  /** The index of the first rule that holds, or {@link CompiledRules#NO_MATCH}. */
  int match(String name, io.opentelemetry.api.trace.SpanKind otelKind, Attributes attributes) {
    return match(name, otelKind, attributes, null);
  }

  /**
   * The index of the first rule that holds, {@link CompiledRules#NO_MATCH}, or {@link #DROP} when
   * {@code traceId} is given and no outcome could keep it (see the class comment).
   */
  int match(
      String name,
      io.opentelemetry.api.trace.SpanKind otelKind,
      Attributes attributes,
      String traceId) {
    int kind = otelKind == null ? NULL_KIND : otelKind.ordinal();
    Entry[] perKind;
    if (name == null) {
      perKind = nullName;
    } else if (name.length() > MAX_CACHED_NAME_LENGTH) {
      return scan(name, kind, attributes); // never cached: hashing it whole would be wasted
    } else {
      int slot = QuickHash.of(name) & (FRONT_SLOTS - 1);
      Named front = fronts[slot];
      if (front != null && (front.name == name || front.name.equals(name))) {
        perKind = front.perKind;
      } else {
        perKind = byName.get(name);
        if (perKind == null) {
          if (byName.size() >= MAX_CACHED_NAMES) {
            return scan(name, kind, attributes);
          }
          Entry[] built = candidates(name);
          Entry[] raced = byName.putIfAbsent(name, built);
          perKind = raced != null ? raced : built;
        }
        if (front == null) {
          // the slot's first name keeps it: a name that took it over would allocate on every
          // lookup while two busy names shared a slot
          fronts[slot] = new Named(name, perKind);
        }
      }
    }
    Entry e = perKind[kind];
    if (e.keys.length == 0) {
      return e.firstFree;
    }
    if (traceId != null && e.anyKeeps != null && !e.anyKeeps.keeps(traceId)) {
      return DROP;
    }
    if (e.plan != null) {
      return e.plan.match(attributes, traceId);
    }
    // Rules with attribute conditions before the first rule without any: read each attribute they
    // test once, walking its prefix trie; only rules with a fitting condition can match.
    Scratch scratch = SCRATCH.get().begin(keyCount, conditionCount);
    for (int key : e.keys) {
      scratch.read(reader, attributes, key, tries);
    }
    int best = e.firstFree == CompiledRules.NO_MATCH ? Integer.MAX_VALUE : e.firstFree;
    int[] marked = scratch.marked;
    for (int m = 0, count = scratch.markedCount; m < count; m++) {
      int rule = conditionRules[marked[m]];
      if (rule < best && e.isCandidate(rule) && attributesHold(rule, attributes, scratch)) {
        best = rule;
      }
    }
    return best == Integer.MAX_VALUE ? CompiledRules.NO_MATCH : best;
  }

  private int scan(String name, int kind, Attributes attributes) {
    SpanKind k = kind == NULL_KIND ? null : KINDS[kind];
    Scratch scratch = SCRATCH.get().begin(keyCount, conditionCount);
    for (int i = 0; i < names.length; i++) {
      if (nameAndKindHold(i, name, k) && attributesHold(i, attributes, scratch)) {
        return i;
      }
    }
    return CompiledRules.NO_MATCH;
  }

  private boolean nameAndKindHold(int i, String name, SpanKind kind) {
    return (kinds[i] == null || kinds[i] == kind) && (names[i] == null || names[i].matches(name));
  }

  private boolean attributesHold(int i, Attributes attributes, Scratch scratch) {
    int[] k = keys[i];
    Glob[] v = values[i];
    int[] ids = conditionIds[i];
    for (int j = 0; j < k.length; j++) {
      String value = scratch.read(reader, attributes, k[j], tries);
      if (value == null || !scratch.prefixFits(ids[j]) || !v[j].matches(value)) {
        return false;
      }
    }
    return true;
  }

  /** Per kind (by ordinal, then null kind): the rules whose name and kind hold for {@code name}. */
  private Entry[] candidates(String name) {
    Entry[] perKind = new Entry[NULL_KIND + 1];
    for (int kind = 0; kind <= NULL_KIND; kind++) {
      SpanKind k = kind == NULL_KIND ? null : KINDS[kind];
      long[] member = new long[(names.length >> 6) + 1];
      int firstFree = CompiledRules.NO_MATCH;
      java.util.TreeSet<Integer> keysToRead = new java.util.TreeSet<>();
      List<Integer> rulesToTry = new ArrayList<>();
      for (int i = 0; i < names.length; i++) {
        if (!nameAndKindHold(i, name, k)) {
          continue;
        }
        if (keys[i].length == 0) {
          firstFree = i;
          break;
        }
        member[i >> 6] |= 1L << i;
        rulesToTry.add(i);
        for (int key : keys[i]) {
          keysToRead.add(key);
        }
      }
      int[] keysArray = keysToRead.stream().mapToInt(Integer::intValue).toArray();
      CandidatePlan plan =
          !rulesToTry.isEmpty() && rulesToTry.size() <= CandidatePlan.MAX_RULES
              ? plan(rulesToTry, firstFree)
              : null;
      perKind[kind] =
          new Entry(member, firstFree, keysArray, plan, anyKeeps(rulesToTry, firstFree));
    }
    return perKind;
  }

  /**
   * The ratio decision at the highest ratio among {@code rulesToTry} and the fallback, or null when
   * that is 1 (it would keep every trace, so asking is wasted).
   */
  private TraceIdRatio anyKeeps(List<Integer> rulesToTry, int firstFree) {
    double highest = fallback(firstFree);
    for (int rule : rulesToTry) {
      highest = Math.max(highest, ratios[rule]);
    }
    return highest >= 1.0 ? null : TraceIdRatio.of(highest);
  }

  /** The ratio of the answer when no candidate holds: {@code firstFree}'s, else the default. */
  private double fallback(int firstFree) {
    return firstFree == CompiledRules.NO_MATCH ? defaultRatio : ratios[firstFree];
  }

  /** A plan checking {@code rulesToTry} in order. */
  private CandidatePlan plan(List<Integer> rulesToTry, int firstFree) {
    int n = rulesToTry.size();
    int[] rules = new int[n];
    int[][] ruleKeys = new int[n][];
    Glob[][] ruleValues = new Glob[n][];
    TraceIdRatio[] ruleRatios = new TraceIdRatio[n];
    for (int r = 0; r < n; r++) {
      rules[r] = rulesToTry.get(r);
      ruleKeys[r] = keys[rules[r]];
      ruleValues[r] = values[rules[r]];
      ruleRatios[r] = TraceIdRatio.of(ratios[rules[r]]);
    }
    TraceIdRatio fallbackRatio = TraceIdRatio.of(fallback(firstFree));
    return new CandidatePlan(
        rules, ruleKeys, ruleValues, ruleRatios, firstFree, fallbackRatio, reader);
  }

  /**
   * The rules whose name and kind hold for one span name and kind: the first without attribute
   * conditions ({@code firstFree}), the ones with attribute conditions before it ({@code member}, a
   * bit set) and the attribute keys those test.
   */
  private static final class Entry {
    final long[] member;
    final int firstFree;
    final int[] keys;

    /** The candidates as a plan when they are few enough (see {@link CandidatePlan}); else null. */
    final CandidatePlan plan;

    /** Whether any outcome could keep a trace; null when one always would. */
    final TraceIdRatio anyKeeps;

    Entry(long[] member, int firstFree, int[] keys, CandidatePlan plan, TraceIdRatio anyKeeps) {
      this.member = member;
      this.firstFree = firstFree;
      this.keys = keys;
      this.plan = plan;
      this.anyKeeps = anyKeeps;
    }

    boolean isCandidate(int rule) {
      return (member[rule >> 6] & (1L << rule)) != 0;
    }
  }

  /** Sluice's span kinds by OpenTelemetry's span kind ordinal. */
  private static SpanKind[] kinds() {
    io.opentelemetry.api.trace.SpanKind[] otel = io.opentelemetry.api.trace.SpanKind.values();
    SpanKind[] kinds = new SpanKind[otel.length];
    for (io.opentelemetry.api.trace.SpanKind kind : otel) {
      kinds[kind.ordinal()] = SpanKind.valueOf(kind.name());
    }
    return kinds;
  }

  /**
   * Attribute values read during one decision on this thread, and which conditions' literal
   * prefixes fit them. Stamped with a per-thread decision counter, so nothing is cleared.
   */
  private static final class Scratch {
    private String[] values = new String[0];
    private long[] stamps = new long[0];
    private long[] fits = new long[0];
    int[] marked = new int[0];
    int markedCount;
    private long decision;

    Scratch begin(int keyCount, int conditionCount) {
      if (values.length < keyCount) {
        values = new String[keyCount];
        stamps = new long[keyCount];
      }
      if (fits.length < conditionCount) {
        fits = new long[conditionCount];
        marked = new int[conditionCount];
      }
      markedCount = 0;
      decision++;
      return this;
    }

    String read(OtelAttributeReader reader, Attributes attributes, int key, PrefixTrie[] tries) {
      if (stamps[key] != decision) {
        String value = reader.read(attributes, key);
        values[key] = value;
        stamps[key] = decision;
        if (value != null) {
          markedCount = tries[key].mark(value, fits, decision, marked, markedCount);
        }
      }
      return values[key];
    }

    boolean prefixFits(int condition) {
      return fits[condition] == decision;
    }
  }

  /** How many span names are cached (for tests). */
  int cachedNames() {
    return byName.size();
  }
}
