package io.sluice.rules;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Thrown by {@link ParseResult#orElseThrow()} when a rule document is invalid; carries every
 * problem found, not just the first.
 */
public final class InvalidRulesException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final transient List<ValidationError> errors;
  private final int problemCount;

  /** An exception listing {@code errors}, every problem found. */
  public InvalidRulesException(List<ValidationError> errors) {
    this(errors, errors.size());
  }

  /**
   * An exception for {@code problemCount} problems, listed in {@code errors} (as {@link
   * ParseResult#errors}: past the most listed, the first of them and one that counts the rest).
   */
  public InvalidRulesException(List<ValidationError> errors, int problemCount) {
    super(
        "invalid rule document ("
            + problemCount
            + (problemCount == 1 ? " problem" : " problems")
            + "): "
            + errors.stream().map(ValidationError::toString).collect(Collectors.joining("; ")));
    if (problemCount < errors.size()) {
      throw new IllegalArgumentException(
          errors.size() + " errors listed cannot be " + problemCount + " problems");
    }
    this.errors = List.copyOf(errors);
    this.problemCount = problemCount;
  }

  /** Every problem found, in document order (past the most listed, as {@link #problemCount}). */
  public List<ValidationError> errors() {
    return errors;
  }

  /** How many problems were found: the size of {@link #errors}, or more when not all are listed. */
  public int problemCount() {
    return problemCount;
  }
}
