package io.sluice.rules.wire;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

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
 * @param breakers the live breakers, at most as many as the agent publishes (the SDK: 200, breakers
 *     not {@code CLOSED} first); the rest are counted in {@code breakersOmitted}
 * @param topTargets the busiest outgoing targets in the last minute
 * @param breakersOmitted live breakers left out of {@code breakers} to keep the status small; 0
 *     from agents older than this field
 * @param topTargetsOmitted targets left out of {@code topTargets} to keep the status small; 0 from
 *     agents older than this field
 * @param breakersByState every live breaker, listed or omitted, counted by its {@code state}
 *     (states with none are left out, so {@code {}} means no breaker); {@code null} from agents
 *     older than this field, whose listed {@code breakers} are all there is to count. The list is
 *     capped and this is not, so counts of open breakers are read from here.
 * @param unguardedClients the HTTP clients the app made whose calls Sluice's circuit breakers do
 *     not guard (they pass every policy, an open breaker too, and are missing from {@code
 *     topTargets}), sorted by {@code client}; {@code null} when the agent does not tell, as the SDK
 *     (an app that starts its guarded calls itself) and agents older than this field do
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
    List<TargetStats> topTargets,
    int breakersOmitted,
    int topTargetsOmitted,
    Map<String, Integer> breakersByState,
    List<UnguardedClient> unguardedClients) {

  public AgentStatus {
    Objects.requireNonNull(instanceId, "instanceId");
    Objects.requireNonNull(service, "service");
    breakers = breakers == null ? List.of() : List.copyOf(breakers);
    topTargets = topTargets == null ? List.of() : List.copyOf(topTargets);
    if (breakersOmitted < 0 || topTargetsOmitted < 0) {
      throw new IllegalArgumentException(
          "omitted counts must not be negative, got breakersOmitted="
              + breakersOmitted
              + ", topTargetsOmitted="
              + topTargetsOmitted);
    }
    breakersByState = breakersByState == null ? null : sortedCounts(breakersByState);
    unguardedClients = unguardedClients == null ? null : sortedClients(unguardedClients);
  }

  /**
   * A status without {@code unguardedClients}, as the SDK and agents before that field write: it
   * does not say which clients go unguarded.
   */
  public AgentStatus(
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
      List<TargetStats> topTargets,
      int breakersOmitted,
      int topTargetsOmitted,
      Map<String, Integer> breakersByState) {
    this(
        instanceId,
        service,
        host,
        pid,
        versions,
        startTime,
        updatedAt,
        rulesSource,
        appliedRevision,
        rejected,
        breakers,
        topTargets,
        breakersOmitted,
        topTargetsOmitted,
        breakersByState,
        null);
  }

  /**
   * A status without {@code breakersByState}, as agents before that field wrote: every breaker
   * there is to count is in {@code breakers}.
   */
  public AgentStatus(
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
      List<TargetStats> topTargets,
      int breakersOmitted,
      int topTargetsOmitted) {
    this(
        instanceId,
        service,
        host,
        pid,
        versions,
        startTime,
        updatedAt,
        rulesSource,
        appliedRevision,
        rejected,
        breakers,
        topTargets,
        breakersOmitted,
        topTargetsOmitted,
        null);
  }

  /** A status with every breaker and target listed, as agents before the omitted counts wrote. */
  public AgentStatus(
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
    this(
        instanceId,
        service,
        host,
        pid,
        versions,
        startTime,
        updatedAt,
        rulesSource,
        appliedRevision,
        rejected,
        breakers,
        topTargets,
        0,
        0);
  }

  /** This status with other lists and omitted counts. */
  public AgentStatus withLists(
      Rejection rejected,
      List<BreakerState> breakers,
      int breakersOmitted,
      List<TargetStats> topTargets,
      int topTargetsOmitted) {
    return copy(
        updatedAt,
        rejected,
        breakers,
        breakersOmitted,
        topTargets,
        topTargetsOmitted,
        breakersByState,
        unguardedClients);
  }

  /** This status with every live breaker counted by state ({@code null}: not counted). */
  public AgentStatus withBreakersByState(Map<String, Integer> breakersByState) {
    return copy(
        updatedAt,
        rejected,
        breakers,
        breakersOmitted,
        topTargets,
        topTargetsOmitted,
        breakersByState,
        unguardedClients);
  }

  /** This status naming the clients Sluice does not guard ({@code null}: not told). */
  public AgentStatus withUnguardedClients(List<UnguardedClient> unguardedClients) {
    return copy(
        updatedAt,
        rejected,
        breakers,
        breakersOmitted,
        topTargets,
        topTargetsOmitted,
        breakersByState,
        unguardedClients);
  }

  /** This status stamped {@code updatedAt}. */
  public AgentStatus withUpdatedAt(Instant updatedAt) {
    return copy(
        updatedAt,
        rejected,
        breakers,
        breakersOmitted,
        topTargets,
        topTargetsOmitted,
        breakersByState,
        unguardedClients);
  }

  /** This agent's status (same instance, host, versions, rules) with what the withers change. */
  private AgentStatus copy(
      Instant updatedAt,
      Rejection rejected,
      List<BreakerState> breakers,
      int breakersOmitted,
      List<TargetStats> topTargets,
      int topTargetsOmitted,
      Map<String, Integer> breakersByState,
      List<UnguardedClient> unguardedClients) {
    return new AgentStatus(
        instanceId,
        service,
        host,
        pid,
        versions,
        startTime,
        updatedAt,
        rulesSource,
        appliedRevision,
        rejected,
        breakers,
        topTargets,
        breakersOmitted,
        topTargetsOmitted,
        breakersByState,
        unguardedClients);
  }

  /**
   * An unmodifiable copy ordered by state, so the JSON is the same for the same counts; a state
   * must be named and its count must not be negative.
   */
  private static Map<String, Integer> sortedCounts(Map<String, Integer> counts) {
    Map<String, Integer> sorted = new TreeMap<>();
    counts.forEach(
        (state, count) -> {
          if (state == null || count == null || count < 0) {
            throw new IllegalArgumentException(
                "breakersByState needs a state and a count of at least 0, got "
                    + state
                    + "="
                    + count);
          }
          sorted.put(state, count);
        });
    return Collections.unmodifiableMap(sorted);
  }

  /**
   * An unmodifiable copy sorted by client, so the JSON is the same for the same clients, without
   * entries that name none: a notice, whose one bad entry (written by hand, or by another agent)
   * must not make the control plane refuse the whole status and lose the agent.
   */
  private static List<UnguardedClient> sortedClients(List<UnguardedClient> clients) {
    List<UnguardedClient> sorted = new ArrayList<>(clients.size());
    for (UnguardedClient c : clients) {
      if (c != null && c.client() != null) {
        sorted.add(c);
      }
    }
    sorted.sort(Comparator.comparing(UnguardedClient::client));
    return Collections.unmodifiableList(sorted);
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
   * @param errors the problems, as {@code path: message}; at most as many as the agent publishes
   *     (the SDK: 50), the rest counted in {@code errorsOmitted}
   * @param errorsOmitted problems left out of {@code errors} to keep the status small; 0 from
   *     agents older than this field
   */
  public record Rejection(long revision, List<String> errors, int errorsOmitted) {
    public Rejection {
      errors = errors == null ? List.of() : List.copyOf(errors);
      if (errorsOmitted < 0) {
        throw new IllegalArgumentException(
            "errorsOmitted must not be negative, got " + errorsOmitted);
      }
    }

    /** A rejection with every error listed. */
    public Rejection(long revision, List<String> errors) {
      this(revision, errors, 0);
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
   * An HTTP client the app made that Sluice's circuit breakers do not guard.
   *
   * @param client what the app made, as the agent's log line names it (e.g. {@code an OkHttp 3
   *     client of a release before 3.12})
   * @param guarded what Sluice guards instead, to move to (e.g. {@code Sluice guards OkHttp 3.12
   *     and later})
   */
  public record UnguardedClient(String client, String guarded) {}

  /**
   * Traffic to one outgoing target over the last minute.
   *
   * @param target {@code host:port}
   * @param callsPerMinute calls made
   * @param errorsPerMinute calls that failed (exception or failure status)
   * @param p99Millis 99th percentile latency in milliseconds of the calls that completed; {@code
   *     null} when none did in the last minute (every call was rejected by an open breaker), so a
   *     target no call reached does not pass for a fast one
   * @param coveredBy the breaker policy that matched the latest call to the target a policy matched
   *     (one in shadow mode too), or {@code null} when none did
   * @param unguardedCallsPerMinute the calls no breaker policy guarded (so a target a method- or
   *     path-restricted policy guards only in part shows its other calls): those no policy matched,
   *     and those a policy in shadow mode matched (it rejects nothing); {@code null} from agents
   *     older than this field. Agents older than {@code shadowCallsPerMinute} left the latter out
   * @param unguardedErrorsPerMinute the failed calls among those; {@code null} like the former
   * @param shadowCallsPerMinute the calls among the unguarded ones that a policy in shadow mode
   *     matched; {@code null} from agents older than this field, whose unguarded calls leave them
   *     out
   */
  public record TargetStats(
      String target,
      long callsPerMinute,
      long errorsPerMinute,
      Double p99Millis,
      String coveredBy,
      Long unguardedCallsPerMinute,
      Long unguardedErrorsPerMinute,
      Long shadowCallsPerMinute) {

    /**
     * Statistics without the shadow part, as agents older than that field report them (their
     * unguarded calls leave out those a policy in shadow mode matched).
     */
    public TargetStats(
        String target,
        long callsPerMinute,
        long errorsPerMinute,
        Double p99Millis,
        String coveredBy,
        Long unguardedCallsPerMinute,
        Long unguardedErrorsPerMinute) {
      this(
          target,
          callsPerMinute,
          errorsPerMinute,
          p99Millis,
          coveredBy,
          unguardedCallsPerMinute,
          unguardedErrorsPerMinute,
          null);
    }

    /** Statistics without the unguarded part, as agents older than those fields report them. */
    public TargetStats(
        String target,
        long callsPerMinute,
        long errorsPerMinute,
        Double p99Millis,
        String coveredBy) {
      this(target, callsPerMinute, errorsPerMinute, p99Millis, coveredBy, null, null, null);
    }
  }
}
