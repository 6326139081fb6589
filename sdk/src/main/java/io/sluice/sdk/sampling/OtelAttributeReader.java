package io.sluice.sdk.sampling;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.sluice.rules.AttributeReader;
import java.util.List;

/**
 * Reads span start attributes for the rule matchers. Every attribute key the rules test is resolved
 * once per snapshot to its typed OpenTelemetry keys, so a read is a few lookups and, for string and
 * boolean values, allocates nothing. Long and double values are converted to their decimal text
 * (which allocates, only for rules that test such attributes).
 */
final class OtelAttributeReader implements AttributeReader<Attributes> {

  private final AttributeKey<String>[] stringKeys;
  private final AttributeKey<Long>[] longKeys;
  private final AttributeKey<Boolean>[] booleanKeys;
  private final AttributeKey<Double>[] doubleKeys;

  @SuppressWarnings("unchecked")
  OtelAttributeReader(List<String> keys) {
    int n = keys.size();
    stringKeys = new AttributeKey[n];
    longKeys = new AttributeKey[n];
    booleanKeys = new AttributeKey[n];
    doubleKeys = new AttributeKey[n];
    for (int i = 0; i < n; i++) {
      String key = keys.get(i);
      stringKeys[i] = AttributeKey.stringKey(key);
      longKeys[i] = AttributeKey.longKey(key);
      booleanKeys[i] = AttributeKey.booleanKey(key);
      doubleKeys[i] = AttributeKey.doubleKey(key);
    }
  }

  @Override
  public String read(Attributes attributes, int keyIndex) {
    if (attributes == null || attributes.isEmpty()) {
      return null;
    }
    String s = attributes.get(stringKeys[keyIndex]);
    if (s != null) {
      return s;
    }
    Long l = attributes.get(longKeys[keyIndex]);
    if (l != null) {
      return Long.toString(l);
    }
    Boolean b = attributes.get(booleanKeys[keyIndex]);
    if (b != null) {
      return b ? "true" : "false";
    }
    Double d = attributes.get(doubleKeys[keyIndex]);
    return d == null ? null : AttributeReader.doubleText(d);
  }
}
