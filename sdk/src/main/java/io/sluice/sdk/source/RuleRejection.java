package io.sluice.sdk.source;

import io.sluice.rules.ValidationError;
import io.sluice.sdk.ActiveRules;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A rule document a source refused. The rules in force stayed; this is what an operator needs to
 * fix it.
 *
 * @param source where the document came from
 * @param origin the etcd key or file path of the document
 * @param revision the etcd mod revision of the refused document, 0 for a file
 * @param errors every problem, each with its JSON path (past the most a parse lists, the first of
 *     them and a last one that counts the rest: see {@link io.sluice.rules.ParseResult})
 * @param problemCount how many problems were found: the size of {@code errors}, or more when not
 *     all are listed; what a count of the problems says, not the size of the list
 * @param time when the document was refused
 */
public record RuleRejection(
    ActiveRules.Source source,
    String origin,
    long revision,
    List<ValidationError> errors,
    int problemCount,
    Instant time) {

  public RuleRejection {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(origin, "origin");
    errors = List.copyOf(errors);
    if (problemCount < errors.size()) {
      throw new IllegalArgumentException(
          errors.size() + " errors listed cannot be " + problemCount + " problems");
    }
    Objects.requireNonNull(time, "time");
  }

  /** A rejection that lists every problem found. */
  public RuleRejection(
      ActiveRules.Source source,
      String origin,
      long revision,
      List<ValidationError> errors,
      Instant time) {
    this(source, origin, revision, errors, errors.size(), time);
  }

  /** Every problem as {@code path: message}, the form used in logs and agent status. */
  public List<String> messages() {
    return errors.stream().map(ValidationError::toString).toList();
  }
}
