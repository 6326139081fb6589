package io.sluice.rules;

import java.util.Map;
import java.util.Objects;

/**
 * What a call rejected by an open breaker gets.
 *
 * @param mode fail fast with an I/O error, or answer with a synthetic response
 * @param status the synthetic response's status (mode {@code response}), default 503
 * @param headers the synthetic response's headers
 * @param body the synthetic response's body, empty by default
 */
public record OnOpenAction(OnOpenMode mode, int status, Map<String, String> headers, String body) {

  /** Fail fast with an I/O error naming the breaker. */
  public static final OnOpenAction ERROR = new OnOpenAction(OnOpenMode.ERROR, 503, Map.of(), "");

  /** The default status of a synthetic response. */
  public static final int DEFAULT_STATUS = 503;

  public OnOpenAction {
    Objects.requireNonNull(mode, "mode");
    headers =
        headers == null
            ? Map.of()
            : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(headers));
    body = body == null ? "" : body;
  }
}
