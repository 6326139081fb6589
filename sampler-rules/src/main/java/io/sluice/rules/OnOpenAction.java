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

  /** The default status of a synthetic response. */
  public static final int DEFAULT_STATUS = 503;

  /** Fail fast with an I/O error naming the breaker. */
  public static final OnOpenAction ERROR =
      new OnOpenAction(OnOpenMode.ERROR, DEFAULT_STATUS, Map.of(), "");

  /**
   * Checks what the JSON form can express, so that every instance writes and reads back equal.
   *
   * @throws IllegalArgumentException when {@code status} is not 100..599, or when mode {@code
   *     error} carries a status other than 503, headers or a body (the document form has none)
   */
  public OnOpenAction {
    Objects.requireNonNull(mode, "mode");
    headers =
        headers == null
            ? Map.of()
            : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(headers));
    body = body == null ? "" : body;
    if (status < 100 || status > 599) {
      throw new IllegalArgumentException("status must be 100..599, not " + status);
    }
    if (mode == OnOpenMode.ERROR
        && (status != DEFAULT_STATUS || !headers.isEmpty() || !body.isEmpty())) {
      throw new IllegalArgumentException(
          "status, headers and body apply only to mode RESPONSE, not to ERROR (status "
              + status
              + ", "
              + headers.size()
              + " headers, body of "
              + body.length()
              + " characters)");
    }
  }
}
