package io.sluice.sdk.propagation;

import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP headers as a map of lower-cased names, the carrier the propagation tests extract from and
 * inject into: header names are case-insensitive, so the getter and setter lower-case them.
 */
final class HeaderMaps {

  static final TextMapSetter<Map<String, String>> SETTER =
      (carrier, key, value) -> carrier.put(key.toLowerCase(Locale.ROOT), value);

  static final TextMapGetter<Map<String, String>> GETTER =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
          return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
          return carrier == null ? null : carrier.get(key.toLowerCase(Locale.ROOT));
        }
      };

  private HeaderMaps() {}
}
