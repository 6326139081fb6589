package io.sluice.sdk.status;

import io.sluice.rules.wire.AgentStatus;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Decides whether a status differs from the one last written by enough to write it again.
 *
 * <p>Every write is a new etcd revision of about 2 KB, kept until etcd compacts. The figures of a
 * status (calls and errors per minute, failure and slow-call rates, p99) move a little at every
 * refresh even under steady traffic: calls per minute are a sliding estimate whose weights move
 * with the clock, and p99 is read from latency buckets. Writing on every such move cost about 17
 * 000 revisions a day per agent. So:
 *
 * <ul>
 *   <li><b>Always meaningful:</b> anything but a figure — rules source, applied revision, the
 *       rejection and its errors, host, versions, the clients Sluice does not guard — and a
 *       different set of breakers (policy and key), a breaker's state or shadow flag, a target's
 *       covering policy, a rate that became known ({@code -1} to a value or back), a breaker state
 *       that gained its first breaker or lost its last in {@code breakersByState}.
 *   <li><b>Targets</b> are a top list by a sliding estimate, so places near its end swap and a
 *       rarely called target drops out and comes back: a change of which targets are listed counts
 *       only when the busiest target that came in and the busiest that left differ by a meaningful
 *       figure (below), so a new dependency with real traffic is written at once.
 *   <li><b>Figures</b> count only when they moved by at least {@link #RELATIVE} (10 %) of the
 *       larger of the two values and by at least an absolute floor, so that small numbers (one
 *       error a minute more or less) do not flap: {@link #MIN_COUNT_STEP} for per-minute counts,
 *       omitted counts and breakers by state, {@link #MIN_RATE_STEP} percentage points for rates,
 *       {@link #MIN_MILLIS_STEP} for p99, which moves by whole latency buckets and so counts only
 *       past the next bucket ({@link #P99_RELATIVE}). Each figure is compared with the value last
 *       written, not the previous sample, so a slow drift is written once it adds up.
 * </ul>
 *
 * <p>The update time is never compared. What is not meaningful is still written by the reporter's
 * periodic rewrite.
 */
final class StatusChange {

  /** The relative move of a figure that counts: 10 % of the larger value. */
  static final double RELATIVE = 0.10;

  /** The least move of a per-minute count (calls, errors) or an omitted count that counts. */
  static final long MIN_COUNT_STEP = 2;

  /** The least move of a failure or slow-call rate that counts, in percentage points. */
  static final double MIN_RATE_STEP = 1.0;

  /**
   * The relative move of a p99 that counts: 40 % of the larger value, more than the 33 % or 50 %
   * (of the smaller) between neighbouring latency buckets, less than the 50 % two buckets apart.
   */
  static final double P99_RELATIVE = 0.40;

  /** The least move of a p99 latency that counts, in milliseconds. */
  static final double MIN_MILLIS_STEP = 1.0;

  private StatusChange() {}

  /** Whether {@code current} is worth writing over {@code written} ({@code null}: none yet). */
  static boolean isMeaningful(AgentStatus written, AgentStatus current) {
    if (written == null) {
      return true;
    }
    return !Objects.equals(written.instanceId(), current.instanceId())
        || !Objects.equals(written.service(), current.service())
        || !Objects.equals(written.host(), current.host())
        || written.pid() != current.pid()
        || !Objects.equals(written.versions(), current.versions())
        || !Objects.equals(written.startTime(), current.startTime())
        || !Objects.equals(written.rulesSource(), current.rulesSource())
        || written.appliedRevision() != current.appliedRevision()
        || !Objects.equals(written.rejected(), current.rejected())
        || !Objects.equals(written.unguardedClients(), current.unguardedClients())
        || countMoved(written.breakersOmitted(), current.breakersOmitted())
        || countMoved(written.topTargetsOmitted(), current.topTargetsOmitted())
        || stateCountsChanged(written.breakersByState(), current.breakersByState())
        || breakersChanged(written.breakers(), current.breakers())
        || targetsChanged(written.topTargets(), current.topTargets());
  }

  /**
   * A state that gained its first breaker or lost its last is meaningful (a listed breaker's state
   * change says as much while at most 200 are listed); beyond that the counts are figures.
   */
  private static boolean stateCountsChanged(
      Map<String, Integer> written, Map<String, Integer> current) {
    if (written == null || current == null) {
      return written != current;
    }
    if (!written.keySet().equals(current.keySet())) {
      return true;
    }
    for (Map.Entry<String, Integer> e : current.entrySet()) {
      if (countMoved(written.get(e.getKey()), e.getValue())) {
        return true;
      }
    }
    return false;
  }

  private static boolean breakersChanged(
      List<AgentStatus.BreakerState> written, List<AgentStatus.BreakerState> current) {
    Map<BreakerId, AgentStatus.BreakerState> before =
        byId(written, b -> new BreakerId(b.policy(), b.key()));
    if (before == null || written.size() != current.size()) {
      return true;
    }
    for (AgentStatus.BreakerState now : current) {
      AgentStatus.BreakerState then = before.get(new BreakerId(now.policy(), now.key()));
      if (then == null
          || !Objects.equals(then.state(), now.state())
          || then.shadow() != now.shadow()
          || rateMoved(then.failureRate(), now.failureRate())
          || rateMoved(then.slowCallRate(), now.slowCallRate())) {
        return true;
      }
    }
    return false;
  }

  private static boolean targetsChanged(
      List<AgentStatus.TargetStats> written, List<AgentStatus.TargetStats> current) {
    Map<String, AgentStatus.TargetStats> before = byId(written, AgentStatus.TargetStats::target);
    Map<String, AgentStatus.TargetStats> after = byId(current, AgentStatus.TargetStats::target);
    if (before == null || after == null) {
      return true;
    }
    if (countMoved(busiestMissing(written, after), busiestMissing(current, before))) {
      return true; // a busy target came in or left the list
    }
    for (AgentStatus.TargetStats now : current) {
      AgentStatus.TargetStats then = before.get(now.target());
      if (then == null) {
        continue; // came in, weighed above
      }
      if (!Objects.equals(then.coveredBy(), now.coveredBy())
          || countMoved(then.callsPerMinute(), now.callsPerMinute())
          || countMoved(then.errorsPerMinute(), now.errorsPerMinute())
          || countMoved(then.unguardedCallsPerMinute(), now.unguardedCallsPerMinute())
          || countMoved(then.unguardedErrorsPerMinute(), now.unguardedErrorsPerMinute())
          || countMoved(then.shadowCallsPerMinute(), now.shadowCallsPerMinute())
          || p99Moved(then.p99Millis(), now.p99Millis())) {
        return true;
      }
    }
    return false;
  }

  /** The most calls per minute among {@code targets} that {@code others} lacks; 0 for none. */
  private static long busiestMissing(
      List<AgentStatus.TargetStats> targets, Map<String, AgentStatus.TargetStats> others) {
    long busiest = 0;
    for (AgentStatus.TargetStats t : targets) {
      if (!others.containsKey(t.target())) {
        busiest = Math.max(busiest, Math.max(1, t.callsPerMinute()));
      }
    }
    return busiest;
  }

  /** The entries by id; {@code null} when two share an id (then any difference is meaningful). */
  private static <T, K> Map<K, T> byId(List<T> entries, Function<T, K> id) {
    Map<K, T> map = new HashMap<>();
    for (T entry : entries) {
      if (map.put(id.apply(entry), entry) != null) {
        return null;
      }
    }
    return map;
  }

  private static boolean countMoved(Long then, Long now) {
    if (then == null || now == null) {
      return then != now;
    }
    return moved(then, now, MIN_COUNT_STEP);
  }

  private static boolean countMoved(long then, long now) {
    return moved(then, now, MIN_COUNT_STEP);
  }

  /** Rates are percentages, negative while not yet computed. */
  private static boolean rateMoved(double then, double now) {
    if ((then < 0) != (now < 0)) {
      return true;
    }
    return then >= 0 && moved(then, now, MIN_RATE_STEP);
  }

  /**
   * Whether a p99 moved by more than one latency bucket. A p99 is the upper bound of a bucket, and
   * neighbouring bounds are 1.33 or 1.5 times apart (half an octave), so a p99 near a bound steps
   * to the next one and back under steady traffic: only a move of {@link #P99_RELATIVE} of the
   * larger value (two buckets or more, 2×) and at least {@link #MIN_MILLIS_STEP} counts. A p99 that
   * comes or goes ({@code null}: no call completed) always counts.
   */
  static boolean p99Moved(Double then, Double now) {
    if (then == null || now == null) {
      return then != now;
    }
    if (then.isNaN() || now.isNaN()) {
      return Double.compare(then, now) != 0;
    }
    double step = Math.abs(now - then);
    return step >= MIN_MILLIS_STEP
        && step >= P99_RELATIVE * Math.max(Math.abs(then), Math.abs(now));
  }

  static boolean moved(double then, double now, double minStep) {
    if (Double.compare(then, now) == 0) {
      return false;
    }
    if (Double.isNaN(then) || Double.isNaN(now)) {
      return true;
    }
    double step = Math.abs(now - then);
    return step >= minStep && step >= RELATIVE * Math.max(Math.abs(then), Math.abs(now));
  }

  private record BreakerId(String policy, String key) {}
}
