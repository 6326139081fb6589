package io.sluice.controlplane.rules;

import io.sluice.controlplane.ApiException;
import io.sluice.controlplane.ProblemType;
import java.util.Map;

/**
 * The preconditions of a read of a service's rules that Spring leaves out (RFC 9110 13.1): it
 * evaluates {@code If-None-Match} tags on a {@code GET}, but not {@code If-None-Match: *}, which
 * holds for any current document (304), nor {@code If-Match} on a safe method, which fails with 412
 * when it names no revision the document is at. Both apply only where there is a document: a read
 * that would answer 404 without them answers 404 with them (RFC 9110 13.2.1).
 */
final class ReadPreconditions {

  private ReadPreconditions() {}

  /**
   * Refuses the read with 412 {@code stale-revision} unless {@code ifMatch} (if sent) holds for the
   * document at {@code revision}; an {@code If-Match} that names no revision is 400, as on a write.
   */
  static void require(String service, long revision, String ifMatch) {
    RuleStore.Expected expected = RulesController.precondition(ifMatch, null);
    if (expected != null && !expected.holds(revision)) {
      throw new ApiException(
          ProblemType.PRECONDITION_FAILED,
          "the rules of "
              + service
              + " are at revision "
              + revision
              + ", which If-Match does not name",
          Map.of("currentRevision", revision));
    }
  }

  /** Whether {@code ifNoneMatch} is {@code *}: the current document matches it (304). */
  static boolean anyCurrent(String ifNoneMatch) {
    return ifNoneMatch != null && ifNoneMatch.strip().equals("*");
  }
}
