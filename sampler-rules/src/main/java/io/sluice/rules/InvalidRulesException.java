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

  public InvalidRulesException(List<ValidationError> errors) {
    super(
        "invalid rule document ("
            + ValidationError.count(errors)
            + (ValidationError.count(errors) == 1 ? " problem" : " problems")
            + "): "
            + errors.stream().map(ValidationError::toString).collect(Collectors.joining("; ")));
    this.errors = List.copyOf(errors);
  }

  /** Every problem found, in document order. */
  public List<ValidationError> errors() {
    return errors;
  }
}
