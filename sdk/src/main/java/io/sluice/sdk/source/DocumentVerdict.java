package io.sluice.sdk.source;

import io.sluice.rules.ValidationError;
import io.sluice.sdk.ActiveRules;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * What a source makes of one document it read: the rules to put in force, or its rejection; never
 * an exception. Both sources note a document as read (its revision, its content) before they judge
 * it, so that the same document is not judged twice; a failure while judging it (a bug in
 * compiling, a clock that throws as the rejection is stamped) would then leave it neither applied
 * nor rejected until it changes again, skipped by every later read. Such a failure is instead the
 * document's rejection, with one error naming it: reported where every rejection is (the log,
 * listeners, {@link RuleSource#lastRejection()}, the agent's status), retried by nobody, and the
 * rules in force stay.
 *
 * @param rules the rules to put in force, or null when the document is rejected
 * @param rejection the document's rejection, or null when it is applied
 * @param failure what failed unexpectedly when that is why the document is rejected, else null:
 *     logged with the rejection's line, whose error names it, as its stack trace is what a bug
 *     report needs
 */
record DocumentVerdict(ActiveRules rules, RuleRejection rejection, Throwable failure) {

  /**
   * The verdict on {@code json} read from {@code origin} at {@code revision} (0 for a file), for
   * one of {@code services}; a rejection is stamped with {@code clock}, or with the system's clock
   * when that one fails.
   */
  static DocumentVerdict of(
      byte[] json,
      Set<String> services,
      ActiveRules.Source source,
      String origin,
      long revision,
      Clock clock) {
    try {
      DocumentCompiler.Outcome outcome = DocumentCompiler.compile(json, services);
      if (outcome.isValid()) {
        return new DocumentVerdict(new ActiveRules(outcome.rules(), revision, source), null, null);
      }
      return new DocumentVerdict(
          null,
          new RuleRejection(
              source, origin, revision, outcome.errors(), outcome.problemCount(), clock.instant()),
          null);
    } catch (Throwable e) {
      // every failure, the JVM's own too (out of memory on a huge document): the source has noted
      // the revision as read, so one that left here would be neither applied nor rejected
      ValidationError failed =
          new ValidationError(
              "$",
              "this agent failed on the document ("
                  + e.getClass().getSimpleName()
                  + (e.getMessage() == null ? "" : ": " + e.getMessage())
                  + "), a bug rather than a problem of the document; the agent's log has the"
                  + " stack trace");
      return new DocumentVerdict(
          null, new RuleRejection(source, origin, revision, List.of(failed), stamp(clock)), e);
    }
  }

  /**
   * Now by {@code clock}, or by the system's clock when {@code clock} fails, as the rest of the
   * SDK's guards catch (a {@code LinkageError} too): the rejection stands, and {@link #of} never
   * throws.
   */
  private static Instant stamp(Clock clock) {
    try {
      return clock.instant();
    } catch (RuntimeException | LinkageError e) {
      return Instant.now();
    }
  }
}
