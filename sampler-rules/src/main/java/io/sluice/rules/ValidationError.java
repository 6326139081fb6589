package io.sluice.rules;

import java.util.Objects;

/**
 * One problem found in a rule document.
 *
 * @param path where, as a JSON path from the document root, e.g. {@code
 *     $.breakers[0].slidingWindow.size}
 * @param message what is wrong, in plain words, without library jargon
 */
public record ValidationError(String path, String message) {

  public ValidationError {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(message, "message");
  }

  /**
   * {@link #path} as an RFC 6901 JSON Pointer ({@code /breakers/0/slidingWindow/size}), for tools
   * that address documents that way.
   */
  public String pointer() {
    return JsonPathSteps.pointer(path);
  }

  /** {@code path: message}, the form used in logs and agent status. */
  @Override
  public String toString() {
    return path + ": " + message;
  }
}
