package io.sluice.rules.wire;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What a running agent reports about itself under {@code {ns}/v1/agents/{service}/{instanceId}},
 * kept alive by an etcd lease. The control plane reads it to show rollouts, breaker states and
 * unprotected dependencies. Serialize with {@link AgentStatusCodec}.
 *
 * @param instanceId unique per process
 * @param service the service the agent runs for
 * @param host the host name
 * @param pid the process id
 * @param versions Sluice, OpenTelemetry and Java versions
 * @param startTime when the agent started
 * @param updatedAt when this status was written
 * @param rulesSource where the applied rules came from: {@code etcd}, {@code file}, {@code
 *     last-known-good} or {@code defaults}
 * @param appliedRevision the etcd mod revision of the applied document, 0 for defaults or a file
 * @param rejected the last rejected document, or {@code null} when none was rejected since the last
 *     applied one
 * @param breakers every live breaker
 * @param topTargets the busiest outgoing targets in the last minute
 */
public record AgentStatus(
    String instanceId,
    String service,
    String host,
    long pid,
    Versions versions,
    Instant startTime,
    Instant updatedAt,
    String rulesSource,
    long appliedRevision,
    Rejection rejected,
    List<BreakerState> breakers,
    List<TargetStats> topTargets) {

  public AgentStatus {
    Objects.requireNonNull(instanceId, "instanceId");
    Objects.requireNonNull(service, "service");
    breakers = breakers == null ? List.of() : List.copyOf(breakers);
    topTargets = topTargets == null ? List.of() : List.copyOf(topTargets);
  }

  /**
   * Versions of what the agent runs.
   *
   * @param sluice Sluice's version
   * @param opentelemetry the OpenTelemetry SDK's version
   * @param java the Java runtime's version
   */
  public record Versions(String sluice, String opentelemetry, String java) {}

  /**
   * A document the agent refused; the previous rules stayed in force.
   *
   * @param revision the refused document's etcd mod revision
   * @param errors every problem, as {@code path: message}
   */
  public record Rejection(long revision, List<String> errors) {
    public Rejection {
      errors = errors == null ? List.of() : List.copyOf(errors);
    }
  }

  /**
   * One breaker's live state.
   *
   * @param policy the breaker policy's name
   * @param key {@code host:port}, or the policy name for rule-scoped breakers
   * @param state {@code CLOSED}, {@code OPEN}, {@code HALF_OPEN}, ...
   * @param failureRate failure percentage in the window, -1 when not yet computed
   * @param slowCallRate slow-call percentage in the window, -1 when not yet computed
   * @param shadow whether the policy is in shadow mode (state is then the would-be state)
   */
  public record BreakerState(
      String policy,
      String key,
      String state,
      double failureRate,
      double slowCallRate,
      boolean shadow) {}

  /**
   * Traffic to one outgoing target over the last minute.
   *
   * @param target {@code host:port}
   * @param callsPerMinute calls made
   * @param errorsPerMinute calls that failed (exception or failure status)
   * @param p99Millis 99th percentile latency in milliseconds
   * @param coveredBy the breaker policy that guarded the latest guarded call to the target, or
   *     {@code null} when none was guarded
   * @param unguardedCallsPerMinute the calls no breaker policy matched (so a target a method- or
   *     path-restricted policy guards only in part shows its other calls); {@code null} from agents
   *     older than this field
   * @param unguardedErrorsPerMinute the failed calls among those; {@code null} like the former
   */
  public record TargetStats(
      String target,
      long callsPerMinute,
      long errorsPerMinute,
      double p99Millis,
      String coveredBy,
      Long unguardedCallsPerMinute,
      Long unguardedErrorsPerMinute) {

    /** Statistics without the unguarded part, as agents older than those fields report them. */
    public TargetStats(
        String target,
        long callsPerMinute,
        long errorsPerMinute,
        double p99Millis,
        String coveredBy) {
      this(target, callsPerMinute, errorsPerMinute, p99Millis, coveredBy, null, null);
    }
  }
}
