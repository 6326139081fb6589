package io.sluice.controlplane.history;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** What a change to a service's rules did. Written in lower case: {@code put}, {@code delete}... */
public enum HistoryAction {
  /** The document was created or replaced. */
  PUT,
  /** The document was removed. */
  DELETE,
  /** A past version was made current again. */
  ROLLBACK;

  @JsonValue
  String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  @JsonCreator
  static HistoryAction fromWire(String value) {
    return valueOf(value.toUpperCase(Locale.ROOT));
  }
}
