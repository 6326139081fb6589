package io.sluice.rules;

import java.util.List;

/**
 * What {@link RuleCodec#parse} returns: a valid document, or every problem found. Never both, never
 * neither.
 *
 * @param document the document when valid, otherwise {@code null}
 * @param errors every problem when invalid, otherwise empty
 */
public record ParseResult(RuleDocument document, List<ValidationError> errors) {

  public ParseResult {
    errors = List.copyOf(errors);
    if ((document == null) == errors.isEmpty()) {
      throw new IllegalArgumentException("a parse result has a document or errors, not both");
    }
  }

  static ParseResult valid(RuleDocument document) {
    return new ParseResult(document, List.of());
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
      throw new InvalidRulesException(errors);
    }
    return document;
  }
}
