package io.sluice.sdk.status;

import io.sluice.rules.wire.AgentStatus;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Keeps a published {@link AgentStatus} far below etcd's request limit (1.5 MiB by default), so a
 * write never fails for its size while the previous, small status stays live under the kept-alive
 * lease and the control plane shows stale data without a word.
 *
 * <p>A host-glob policy over 10 000 tenant hosts has 10 000 breakers (about 1.2 MB of JSON), and a
 * rejected document can have thousands of errors. The status lists at most {@link #MAX_BREAKERS}
 * breakers (those not {@code CLOSED} first, then by policy and key), {@link #MAX_ERRORS} errors of
 * at most {@link #MAX_ERROR_CHARS} characters each and {@link #MAX_TOP_TARGETS} targets, and counts
 * what it left out in {@code breakersOmitted}, {@code errorsOmitted} and {@code topTargetsOmitted}.
 * Capped, a status is some 50 KB at most with names of ordinary length; {@link #minimal} is the
 * last resort for one that is still too large.
 */
final class StatusCaps {

  /** Breakers listed in a status. */
  static final int MAX_BREAKERS = 200;

  /** Errors of a rejection listed in a status. */
  static final int MAX_ERRORS = 50;

  /** Characters kept of one error message. */
  static final int MAX_ERROR_CHARS = 500;

  /** Targets listed in a status: the busiest, as the supplier orders them. */
  static final int MAX_TOP_TARGETS = 50;

  /**
   * The largest status written as is: a third of etcd's default request limit. A larger one (only
   * with absurdly long names) is replaced by {@link #minimal}.
   */
  static final int MAX_STATUS_BYTES = 512 * 1024;

  private static final Comparator<AgentStatus.BreakerState> BREAKER_ORDER =
      Comparator.comparing((AgentStatus.BreakerState b) -> "CLOSED".equals(b.state()))
          .thenComparing(AgentStatus.BreakerState::policy, Comparator.nullsFirst(String::compareTo))
          .thenComparing(AgentStatus.BreakerState::key, Comparator.nullsFirst(String::compareTo));

  private StatusCaps() {}

  /** {@code status} with its lists cut to the caps and what was cut counted. */
  static AgentStatus cap(AgentStatus status) {
    List<AgentStatus.BreakerState> breakers = status.breakers();
    int breakersOmitted = status.breakersOmitted();
    if (breakers.size() > MAX_BREAKERS) {
      List<AgentStatus.BreakerState> sorted = new ArrayList<>(breakers);
      sorted.sort(BREAKER_ORDER);
      breakersOmitted += sorted.size() - MAX_BREAKERS;
      breakers = sorted.subList(0, MAX_BREAKERS);
    }
    List<AgentStatus.TargetStats> targets = status.topTargets();
    int targetsOmitted = status.topTargetsOmitted();
    if (targets.size() > MAX_TOP_TARGETS) {
      targetsOmitted += targets.size() - MAX_TOP_TARGETS;
      targets = targets.subList(0, MAX_TOP_TARGETS);
    }
    return status.withLists(
        cap(status.rejected()), breakers, breakersOmitted, targets, targetsOmitted);
  }

  private static AgentStatus.Rejection cap(AgentStatus.Rejection rejection) {
    if (rejection == null) {
      return null;
    }
    List<String> errors = rejection.errors();
    int omitted = rejection.errorsOmitted() + Math.max(0, errors.size() - MAX_ERRORS);
    List<String> kept = new ArrayList<>(Math.min(errors.size(), MAX_ERRORS));
    for (String error : errors.subList(0, Math.min(errors.size(), MAX_ERRORS))) {
      kept.add(error.length() > MAX_ERROR_CHARS ? shortened(error) : error);
    }
    return new AgentStatus.Rejection(rejection.revision(), kept, omitted);
  }

  /** The start of {@code error} and an ellipsis, never cutting a character's surrogate pair. */
  private static String shortened(String error) {
    int end = MAX_ERROR_CHARS - 1;
    if (Character.isHighSurrogate(error.charAt(end - 1))) {
      end--;
    }
    return error.substring(0, end) + "…";
  }

  /**
   * {@code status} without any list, everything counted as omitted: what is written when even the
   * capped status is too large for etcd, so the key never keeps an older status as if current.
   */
  static AgentStatus minimal(AgentStatus status) {
    AgentStatus.Rejection rejected = status.rejected();
    AgentStatus.Rejection bare =
        rejected == null
            ? null
            : new AgentStatus.Rejection(
                rejected.revision(),
                List.of(),
                rejected.errors().size() + rejected.errorsOmitted());
    return status.withLists(
        bare,
        List.of(),
        status.breakers().size() + status.breakersOmitted(),
        List.of(),
        status.topTargets().size() + status.topTargetsOmitted());
  }
}
