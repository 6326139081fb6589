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
 * @param errors every problem, each with its JSON path
 * @param time when the document was refused
 */
public record RuleRejection(
    ActiveRules.Source source,
    String origin,
    long revision,
    List<ValidationError> errors,
    Instant time) {

  public RuleRejection {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(origin, "origin");
    errors = List.copyOf(errors);
    Objects.requireNonNull(time, "time");
  }

  /** Every problem as {@code path: message}, the form used in logs and agent status. */
  public List<String> messages() {
    return errors.stream().map(ValidationError::toString).toList();
  }
}
