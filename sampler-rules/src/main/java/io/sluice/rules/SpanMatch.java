package io.sluice.rules;

import java.util.Map;

/**
 * Which spans a {@link SamplingRule} applies to. Every field is optional; all present fields must
 * hold. Strings are {@linkplain Glob globs}.
 *
 * @param spanName a glob on the span name, or {@code null}
 * @param spanKind the span kind, or {@code null} for any
 * @param attributes globs on start attributes by attribute key; an absent attribute never matches
 */
public record SpanMatch(String spanName, SpanKind spanKind, Map<String, String> attributes) {

  /** Matches every span. */
  public static final SpanMatch ANY = new SpanMatch(null, null, Map.of());

  public SpanMatch {
    attributes =
        attributes == null
            ? Map.of()
            : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(attributes));
  }
}
