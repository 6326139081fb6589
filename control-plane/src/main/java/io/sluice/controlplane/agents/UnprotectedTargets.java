package io.sluice.controlplane.agents;

import io.sluice.rules.BreakerPolicy;
import io.sluice.rules.CallMatch;
import io.sluice.rules.CompiledRules;
import io.sluice.rules.RuleDocument;
import io.sluice.rules.wire.AgentStatus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Finds a service's outgoing targets that carry traffic but no breaker policy covers, from the top
 * targets its agents report, and suggests a policy for each.
 *
 * <p>A target counts as covered when an agent says so ({@code coveredBy}) or when a policy of the
 * current document matches its host and port — a policy limited to some methods or paths counts, as
 * the report cannot tell which calls those are. The check uses the agents' own compiled matchers.
 */
final class UnprotectedTargets {

  private UnprotectedTargets() {}

  /**
   * One unprotected target, aggregated over the service's agents.
   *
   * @param target {@code host:port}
   * @param callsPerMinute calls in the last minute, summed over agents
   * @param errorsPerMinute failed calls in the last minute, summed
   * @param errorRate errors / calls, in [0, 1]
   * @param p99Millis the highest p99 any agent reports
   * @param agents how many agents call it
   * @param suggestedPolicy a breaker policy to add to {@code breakers}, in shadow mode first
   */
  record Target(
      String target,
      long callsPerMinute,
      long errorsPerMinute,
      double errorRate,
      double p99Millis,
      int agents,
      Map<String, Object> suggestedPolicy) {}

  static List<Target> find(List<AgentStatus> agents, RuleDocument current) {
    CompiledRules hostAndPort = CompiledRules.compile(hostAndPortOnly(current));
    Map<String, long[]> traffic = new TreeMap<>();
    Map<String, Double> p99 = new LinkedHashMap<>();
    for (AgentStatus agent : agents) {
      for (AgentStatus.TargetStats stats : agent.topTargets()) {
        if (stats.coveredBy() != null || stats.callsPerMinute() <= 0) {
          continue;
        }
        String[] hostPort = split(stats.target());
        if (hostPort == null
            || hostAndPort.breakerPolicyIndex(
                    hostPort[0], Integer.parseInt(hostPort[1]), "GET", "/")
                != CompiledRules.NO_MATCH) {
          continue;
        }
        long[] sums = traffic.computeIfAbsent(stats.target(), t -> new long[3]);
        sums[0] += stats.callsPerMinute();
        sums[1] += stats.errorsPerMinute();
        sums[2]++;
        p99.merge(stats.target(), stats.p99Millis(), Math::max);
      }
    }
    List<Target> targets = new ArrayList<>();
    traffic.forEach(
        (target, sums) -> {
          double rate = sums[0] == 0 ? 0 : Math.min(1.0, (double) sums[1] / sums[0]);
          targets.add(
              new Target(
                  target,
                  sums[0],
                  sums[1],
                  rate,
                  p99.get(target),
                  (int) sums[2],
                  suggest(split(target), p99.get(target))));
        });
    targets.sort((a, b) -> Long.compare(b.callsPerMinute(), a.callsPerMinute()));
    return targets;
  }

  /** A policy that guards every call to the target; shadow mode, so it can be watched first. */
  static Map<String, Object> suggest(String[] hostPort, double p99Millis) {
    long slowSeconds = Math.max(1, (long) Math.ceil(2 * p99Millis / 1000.0));
    Map<String, Object> policy = new LinkedHashMap<>();
    policy.put("name", hostPort[0].toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]", "-"));
    policy.put("match", Map.of("host", hostPort[0], "port", Integer.parseInt(hostPort[1])));
    policy.put("failureRateThreshold", 50);
    policy.put("slowCallRateThreshold", 80);
    policy.put("slowCallDuration", slowSeconds + "s");
    policy.put("slidingWindow", Map.of("type", "COUNT", "size", 20));
    policy.put("minimumCalls", 10);
    policy.put("waitInOpenState", "10s");
    policy.put("halfOpenCalls", 3);
    policy.put("failureStatusCodes", List.of("5xx"));
    policy.put("onOpen", Map.of("mode", "error"));
    policy.put("shadow", true);
    return policy;
  }

  private static RuleDocument hostAndPortOnly(RuleDocument document) {
    List<BreakerPolicy> widened = new ArrayList<>();
    for (BreakerPolicy p : document.breakers()) {
      widened.add(
          new BreakerPolicy(
              p.name(),
              new CallMatch(p.match().host(), p.match().port(), null, null),
              p.scope(),
              p.failureRateThreshold(),
              p.slowCallRateThreshold(),
              p.slowCallDuration(),
              p.slidingWindow(),
              p.minimumCalls(),
              p.waitInOpenState(),
              p.halfOpenCalls(),
              p.failureStatusCodes(),
              p.onOpen(),
              p.shadow()));
    }
    return new RuleDocument(
        document.schemaVersion(), document.service(), document.sampling(), widened);
  }

  /** {@code host:port} (IPv6 hosts in brackets) into host and port, or {@code null}. */
  static String[] split(String target) {
    int colon = target.lastIndexOf(':');
    if (colon <= 0 || colon == target.length() - 1) {
      return null;
    }
    String host = target.substring(0, colon);
    String port = target.substring(colon + 1);
    if (!port.chars().allMatch(Character::isDigit) || port.length() > 5) {
      return null;
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return new String[] {host, port};
  }
}
