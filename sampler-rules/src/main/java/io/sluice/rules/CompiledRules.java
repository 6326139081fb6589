package io.sluice.rules;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A rule document compiled once into matchers that answer, on request threads and without
 * allocating, "which sampling rule decides for this span" and "which breaker policy covers this
 * call". Both agents and the control plane's dry run use it, so they can never disagree.
 *
 * <p>Answers are indexes into the document's {@link SamplingPolicy#rules()} and {@link
 * RuleDocument#breakers()}, so callers can keep per-rule state (rate limiters, cached results,
 * breakers) in arrays aligned with them. Instances are immutable and thread-safe.
 */
public final class CompiledRules {

  /** Returned when nothing matches. */
  public static final int NO_MATCH = -1;

  private final RuleDocument document;
  private final List<String> attributeKeys;
  private final SpanMatcher[] spanMatchers;
  private final CallMatcher[] callMatchers;

  private CompiledRules(RuleDocument document) {
    this.document = document;
    Map<String, Integer> keyIndex = new LinkedHashMap<>();
    List<SamplingRule> rules = document.sampling().rules();
    spanMatchers = new SpanMatcher[rules.size()];
    for (int i = 0; i < rules.size(); i++) {
      spanMatchers[i] = new SpanMatcher(rules.get(i).match(), keyIndex);
    }
    attributeKeys = List.copyOf(new ArrayList<>(keyIndex.keySet()));
    List<BreakerPolicy> breakers = document.breakers();
    callMatchers = new CallMatcher[breakers.size()];
    for (int i = 0; i < breakers.size(); i++) {
      callMatchers[i] = new CallMatcher(breakers.get(i).match());
    }
  }

  /**
   * Compiles a document.
   *
   * @throws IllegalArgumentException when a glob in it is malformed (never for a document that came
   *     out of {@link RuleCodec#parse})
   */
  public static CompiledRules compile(RuleDocument document) {
    return new CompiledRules(document);
  }

  /** The compiled document. */
  public RuleDocument document() {
    return document;
  }

  /**
   * Every attribute key some sampling rule tests, in a stable order; see {@link AttributeReader}.
   */
  public List<String> attributeKeys() {
    return attributeKeys;
  }

  /**
   * The index of the first sampling rule whose match holds for a span, or {@link #NO_MATCH}.
   *
   * @param spanName the span's name ({@code null} matches only rules without a name glob)
   * @param kind the span's kind
   * @param attributes the span's start attributes
   * @param reader reads {@code attributes}
   */
  public <A> int samplingRuleIndex(
      String spanName, SpanKind kind, A attributes, AttributeReader<A> reader) {
    for (int i = 0; i < spanMatchers.length; i++) {
      if (spanMatchers[i].matches(spanName, kind, attributes, reader)) {
        return i;
      }
    }
    return NO_MATCH;
  }

  /** The first sampling rule whose match holds, or {@code null}. */
  public <A> SamplingRule samplingRule(
      String spanName, SpanKind kind, A attributes, AttributeReader<A> reader) {
    int i = samplingRuleIndex(spanName, kind, attributes, reader);
    return i == NO_MATCH ? null : document.sampling().rules().get(i);
  }

  /**
   * The index of the first breaker policy whose match holds for an outgoing call, or {@link
   * #NO_MATCH}.
   *
   * @param host the target host
   * @param port the target port
   * @param method the HTTP method, any case
   * @param path the URL path without query
   */
  public int breakerPolicyIndex(String host, int port, String method, String path) {
    for (int i = 0; i < callMatchers.length; i++) {
      if (callMatchers[i].matches(host, port, method, path)) {
        return i;
      }
    }
    return NO_MATCH;
  }

  /** The first breaker policy whose match holds, or {@code null}. */
  public BreakerPolicy breakerPolicy(String host, int port, String method, String path) {
    int i = breakerPolicyIndex(host, port, method, path);
    return i == NO_MATCH ? null : document.breakers().get(i);
  }

  private static Glob globOrNull(String pattern) {
    return pattern == null ? null : Glob.compile(pattern);
  }

  /** One sampling rule's match. */
  private static final class SpanMatcher {
    private final Glob name;
    private final SpanKind kind;
    private final int[] keyIndexes;
    private final Glob[] values;

    SpanMatcher(SpanMatch match, Map<String, Integer> keyIndex) {
      name = globOrNull(match.spanName());
      kind = match.spanKind();
      keyIndexes = new int[match.attributes().size()];
      values = new Glob[match.attributes().size()];
      int j = 0;
      for (Map.Entry<String, String> e : match.attributes().entrySet()) {
        keyIndexes[j] = keyIndex.computeIfAbsent(e.getKey(), k -> keyIndex.size());
        values[j] = Glob.compile(e.getValue());
        j++;
      }
    }

    <A> boolean matches(String spanName, SpanKind spanKind, A attributes, AttributeReader<A> r) {
      if (kind != null && kind != spanKind) {
        return false;
      }
      if (name != null && !name.matches(spanName)) {
        return false;
      }
      for (int j = 0; j < keyIndexes.length; j++) {
        if (!values[j].matches(r.read(attributes, keyIndexes[j]))) {
          return false;
        }
      }
      return true;
    }
  }

  /** One breaker policy's match. */
  private static final class CallMatcher {
    private final Glob host;
    private final int port;
    private final Glob method;
    private final Glob path;

    CallMatcher(CallMatch match) {
      host = match.host() == null ? null : CallTarget.hostGlob(match.host());
      port = match.port() == null ? -1 : match.port();
      method = match.method() == null ? null : Glob.compileIgnoringCase(match.method());
      path = globOrNull(match.path());
    }

    boolean matches(String h, int p, String m, String pa) {
      return (port < 0 || port == p)
          && (host == null || host.matches(h))
          && (method == null || method.matches(m))
          && (path == null || path.matches(pa));
    }
  }
}
