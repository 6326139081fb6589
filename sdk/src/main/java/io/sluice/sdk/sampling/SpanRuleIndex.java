package io.sluice.sdk.sampling;

import io.opentelemetry.api.common.Attributes;
import io.sluice.rules.CompiledRules;
import io.sluice.rules.Glob;
import io.sluice.rules.SamplingRule;
import io.sluice.rules.SpanKind;
import io.sluice.rules.SpanMatch;
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
 * once; a decision then only checks the attribute conditions of those candidates, in order. Each
 * attribute a decision needs is read at most once (a per-thread scratch array) when several rules
 * test the same key. Past the name limit, or for a null name, the rules are scanned directly. No
 * path allocates once a name is cached.
 */
final class SpanRuleIndex {

  static final int MAX_CACHED_NAMES = 2048;
  private static final int NULL_KIND = 5;
  private static final SpanKind[] KINDS = kinds();
  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  private final Glob[] names;
  private final SpanKind[] kinds;
  private final int[][] keys;
  private final Glob[][] values;
  private final OtelAttributeReader reader;
  private final int keyCount;
  private final boolean sharedKeys;
  private final int[][] nullName;
  private final Map<String, int[][]> byName = new ConcurrentHashMap<>();

  SpanRuleIndex(List<SamplingRule> rules, List<String> attributeKeys, OtelAttributeReader reader) {
    int n = rules.size();
    names = new Glob[n];
    kinds = new SpanKind[n];
    keys = new int[n][];
    values = new Glob[n][];
    int conditions = 0;
    for (int i = 0; i < n; i++) {
      SpanMatch m = rules.get(i).match();
      names[i] = m.spanName() == null ? null : Glob.compile(m.spanName());
      kinds[i] = m.spanKind();
      keys[i] = new int[m.attributes().size()];
      values[i] = new Glob[m.attributes().size()];
      int j = 0;
      for (Map.Entry<String, String> e : m.attributes().entrySet()) {
        keys[i][j] = attributeKeys.indexOf(e.getKey());
        values[i][j] = Glob.compile(e.getValue());
        j++;
      }
      conditions += j;
    }
    this.reader = reader;
    this.keyCount = attributeKeys.size();
    this.sharedKeys = conditions > keyCount;
    this.nullName = candidates(null);
  }

  /** The index of the first rule that holds, or {@link CompiledRules#NO_MATCH}. */
  int match(String name, io.opentelemetry.api.trace.SpanKind otelKind, Attributes attributes) {
    int kind = otelKind == null ? NULL_KIND : otelKind.ordinal();
    int[][] perKind;
    if (name == null) {
      perKind = nullName;
    } else {
      perKind = byName.get(name);
      if (perKind == null) {
        if (byName.size() >= MAX_CACHED_NAMES) {
          return scan(name, kind, attributes);
        }
        perKind = candidates(name);
        byName.putIfAbsent(name, perKind);
      }
    }
    int[] candidates = perKind[kind];
    Scratch scratch = null;
    for (int c = 0; c < candidates.length; c++) {
      int i = candidates[c];
      int[] k = keys[i];
      if (k.length == 0) {
        return i;
      }
      if (sharedKeys && scratch == null) {
        scratch = SCRATCH.get().begin(keyCount);
      }
      if (attributesHold(i, attributes, scratch)) {
        return i;
      }
    }
    return CompiledRules.NO_MATCH;
  }

  private int scan(String name, int kind, Attributes attributes) {
    SpanKind k = kind == NULL_KIND ? null : KINDS[kind];
    Scratch scratch = sharedKeys ? SCRATCH.get().begin(keyCount) : null;
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
    for (int j = 0; j < k.length; j++) {
      String value =
          scratch == null ? reader.read(attributes, k[j]) : scratch.read(reader, attributes, k[j]);
      if (!v[j].matches(value)) {
        return false;
      }
    }
    return true;
  }

  /** Per kind (by ordinal, then null kind): the rules whose name and kind hold for {@code name}. */
  private int[][] candidates(String name) {
    int[][] perKind = new int[NULL_KIND + 1][];
    for (int kind = 0; kind <= NULL_KIND; kind++) {
      SpanKind k = kind == NULL_KIND ? null : KINDS[kind];
      List<Integer> list = new ArrayList<>();
      for (int i = 0; i < names.length; i++) {
        if (nameAndKindHold(i, name, k)) {
          list.add(i);
        }
      }
      perKind[kind] = list.stream().mapToInt(Integer::intValue).toArray();
    }
    return perKind;
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

  /** Attribute values read during one decision on this thread. */
  private static final class Scratch {
    private String[] values = new String[0];
    private long[] stamps = new long[0];
    private long decision;

    Scratch begin(int keyCount) {
      if (values.length < keyCount) {
        values = new String[keyCount];
        stamps = new long[keyCount];
      }
      decision++;
      return this;
    }

    String read(OtelAttributeReader reader, Attributes attributes, int key) {
      if (stamps[key] != decision) {
        values[key] = reader.read(attributes, key);
        stamps[key] = decision;
      }
      return values[key];
    }
  }
}
