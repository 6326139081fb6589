package io.sluice.rules;

import java.util.Objects;

/**
 * One problem found in a rule document.
 *
 * @param path where, as a JSON path from the document root, e.g. {@code
 *     $.breakers[0].slidingWindow.size}
 * @param message what is wrong, in plain words, without library jargon
 * @param line the line of the text where the problem is, from 1, or 0 when not known: the document
 *     was not read from text, or the place is not in it (a field that is missing is placed at the
 *     object that lacks it)
 * @param column the column on that line, from 1, counting UTF-16 code units as editors and
 *     JavaScript do, or 0 when {@code line} is 0
 */
public record ValidationError(String path, String message, int line, int column) {

  public ValidationError {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(message, "message");
    if (line < 0 || column < 0 || (line == 0) != (column == 0)) {
      throw new IllegalArgumentException(
          "line and column are both from 1, or both 0 when not known, not " + line + ":" + column);
    }
  }

  /** A problem without a place in the text. */
  public ValidationError(String path, String message) {
    this(path, message, 0, 0);
  }

  /** Whether {@link #line} and {@link #column} say where the problem is in the text. */
  public boolean hasLocation() {
    return line > 0;
  }

  /** This problem placed at {@code line} and {@code column} of the text. */
  ValidationError at(int line, int column) {
    return new ValidationError(path, message, line, column);
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
