package io.sluice.sdk.propagation;

import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP headers as a map of lower-cased names, the carrier the propagation tests extract from and
 * inject into: header names are case-insensitive, so the getter and setter lower-case them. Also
 * the callers' ids those tests send.
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

  /** A W3C caller's trace and span id (the trace context specification's example). */
  static final String W3C_TRACE = "0af7651916cd43dd8448eb211c80319c";

  static final String W3C_SPAN = "b7ad6b7169203331";

  /** A B3 caller's trace and span id, of another trace than the W3C one. */
  static final String B3_TRACE = "463ac35c9f6413ad48485a3953bb6124";

  static final String B3_SPAN = "a2fb4a1d1a96d312";

  private HeaderMaps() {}
}
