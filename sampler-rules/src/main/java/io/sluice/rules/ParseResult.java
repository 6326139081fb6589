package io.sluice.rules;

import java.util.List;

/**
 * What {@link RuleCodec#parse} returns: a valid document, or every problem found. Never both, never
 * neither.
 *
 * <p>At most {@value ListedProblems#MAX} problems are listed one by one; past that {@code errors}
 * ends with one problem at {@code $} that counts the rest. {@link #problemCount} is how many were
 * found: what a client says when it counts the problems, rather than the size of the list.
 *
 * @param document the document when valid, otherwise {@code null}
 * @param errors every problem when invalid (past the most listed, the first of them and one that
 *     counts the rest), otherwise empty
 * @param problemCount how many problems were found: 0 when valid, else at least the size of {@code
 *     errors}
 */
public record ParseResult(RuleDocument document, List<ValidationError> errors, int problemCount) {

  public ParseResult {
    errors = List.copyOf(errors);
    if ((document == null) == errors.isEmpty()) {
      throw new IllegalArgumentException("a parse result has a document or errors, not both");
    }
    if (document != null ? problemCount != 0 : problemCount < errors.size()) {
      throw new IllegalArgumentException(
          "a parse result with "
              + errors.size()
              + " errors listed cannot count "
              + problemCount
              + " problems");
    }
  }

  /** A result that lists every problem it found, none left out. */
  public ParseResult(RuleDocument document, List<ValidationError> errors) {
    this(document, errors, errors.size());
  }

  static ParseResult valid(RuleDocument document) {
    return new ParseResult(document, List.of(), 0);
  }

  static ParseResult invalid(List<ValidationError> errors) {
    return new ParseResult(null, errors);
  }

  /** Whether the document is valid. */
  public boolean isValid() {
    return document != null;
  }

  /**
   * The document.
   *
   * @throws InvalidRulesException listing every problem when the document is invalid
   */
  public RuleDocument orElseThrow() {
    if (document == null) {
      throw new InvalidRulesException(errors, problemCount);
    }
    return document;
  }
}
