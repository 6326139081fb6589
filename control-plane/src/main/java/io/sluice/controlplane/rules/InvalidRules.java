package io.sluice.controlplane.rules;

import io.sluice.controlplane.ApiException;
import io.sluice.controlplane.ProblemType;
import io.sluice.rules.ValidationError;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one problem document for an invalid rule document, every error with its JSON path (and the
 * same as a JSON Pointer) and, when known, the line and column of the text sent: a save and a dry
 * run of a draft refuse a document in the same words, so a client places both alike.
 */
final class InvalidRules {

  private InvalidRules() {}

  /**
   * {@code errors} of a document that starts at byte {@code offset} of {@code text}, placed in
   * {@code text}; without a place when {@code text} is {@code null} (the document parsed is not
   * text the client sent, so its lines would point at nothing the client has).
   */
  static List<ValidationError> shifted(List<ValidationError> errors, byte[] text, int offset) {
    if (text == null) {
      return unplaced(errors);
    }
    List<ValidationError> shifted = new ArrayList<>(errors.size());
    // where the document starts: lines end at \n, \r\n or \r, columns count UTF-16 code units, as
    // the parse counts them within the document
    String before = new String(text, 0, offset, StandardCharsets.UTF_8);
    int line = 1;
    int lineStart = 0;
    for (int i = 0; i < before.length(); i++) {
      char c = before.charAt(i);
      if (c == '\n' || (c == '\r' && (i + 1 == before.length() || before.charAt(i + 1) != '\n'))) {
        line++;
        lineStart = i + 1;
      }
    }
    int column = before.length() - lineStart + 1;
    for (ValidationError error : errors) {
      if (!error.hasLocation()) {
        shifted.add(error);
      } else if (error.line() == 1) {
        shifted.add(
            new ValidationError(error.path(), error.message(), line, column + error.column() - 1));
      } else {
        shifted.add(
            new ValidationError(
                error.path(), error.message(), line + error.line() - 1, error.column()));
      }
    }
    return shifted;
  }

  /** {@code errors} without their lines and columns. */
  static List<ValidationError> unplaced(List<ValidationError> errors) {
    List<ValidationError> unplaced = new ArrayList<>(errors.size());
    for (ValidationError error : errors) {
      unplaced.add(new ValidationError(error.path(), error.message()));
    }
    return unplaced;
  }

  /**
   * The problem for {@code problemCount} problems, listed in {@code errors} (a parse's: past the
   * most listed, the first of them and a last one at {@code $} that counts the rest). Its {@code
   * problemCount} and {@code detail} count them all, not the entries listed.
   */
  static ApiException problem(List<ValidationError> errors, int problemCount) {
    return problem(null, errors, problemCount);
  }

  /**
   * As {@link #problem(List, int)}, its {@code detail} prefixed with {@code whose} and a colon
   * unless {@code null}: a document the client did not send (a past version a rollback restores) is
   * named, so the detail does not read as if the request held the errors.
   */
  static ApiException problem(String whose, List<ValidationError> errors, int problemCount) {
    List<Map<String, Object>> listed = new ArrayList<>();
    for (ValidationError error : errors) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("path", error.path());
      e.put("pointer", error.pointer());
      e.put("message", error.message());
      // absent rather than 0 where the text does not hold the place (a document that is empty)
      if (error.hasLocation()) {
        e.put("line", error.line());
        e.put("column", error.column());
      }
      listed.add(e);
    }
    Map<String, Object> members = new LinkedHashMap<>();
    members.put("errors", listed);
    members.put("problemCount", problemCount);
    String count =
        problemCount == 1
            ? "the document has 1 error"
            : "the document has " + problemCount + " errors";
    return new ApiException(
        ProblemType.INVALID_RULES, whose == null ? count : whose + ": " + count, members);
  }
}
