package io.sluice.controlplane.agents;

import io.sluice.rules.BreakerPolicy;
import io.sluice.rules.CallMatch;
import io.sluice.rules.CallTarget;
import io.sluice.rules.CompiledRules;
import io.sluice.rules.RuleDocument;
import io.sluice.rules.wire.AgentStatus;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Finds a service's outgoing targets that carry traffic no breaker policy guards, from the top
 * targets its agents report, and suggests a policy for each.
 *
 * <p>Design note: what is known about a target. An agent counts every call per target, and among
 * them the calls no policy guarded ({@code unguardedCallsPerMinute}: none matched, or a policy in
 * shadow mode did, which rejects nothing) and, of those, the ones a policy in shadow mode matched
 * ({@code shadowCallsPerMinute}; agents older than that field count them as guarded); {@code
 * coveredBy} names the policy that matched its latest matched call, {@code null} when none did. So,
 * per agent and target:
 *
 * <ol>
 *   <li>A policy of the current document that matches the target's host and port and has neither
 *       {@code method} nor {@code path} guards every call to it (whichever policy comes first, some
 *       policy matches), unless a policy in shadow mode that matches the host and port comes before
 *       it (calls it matches are let through whatever happens): protected, whatever the agent
 *       reports. This is the one case where the document is decisive; it also covers an agent that
 *       has not yet applied the revision that added such a policy.
 *   <li>A {@code coveredBy} naming a policy the current document no longer has, or no longer for
 *       this host and port, is a statement about older rules (an agent still on an older revision,
 *       or a policy edited under the same name): every call counts as unguarded, as when it is
 *       {@code null}.
 *   <li>Otherwise the guarded calls are protected and the rest are not: the target is listed with
 *       its unguarded calls and errors, and the policies that guarded the others ({@code
 *       guardedBy}, with {@code guardedCallsPerMinute}), so a target a method- or path-restricted
 *       policy guards only in part shows up with the part it does not.
 *   <li>An agent older than the unguarded count ({@code null}) cannot say which calls went
 *       unguarded: a valid {@code coveredBy} then counts the whole target as protected.
 *   <li>The calls a policy in shadow mode matched are unprotected too (it records, but rejects
 *       nothing): they are among the unguarded calls listed, and counted in {@code
 *       shadowedCallsPerMinute}, with the policies in shadow mode for this host and port in {@code
 *       shadowedBy}. An agent older than the shadow count cannot tell them apart from the guarded
 *       ones: when its {@code coveredBy} is in shadow mode, all its calls that matched a policy
 *       count as shadowed (all its calls, from an agent older than the unguarded count too).
 *       Before, calls a policy in shadow mode matched counted as protected, and a service whose
 *       every policy was in shadow mode read as "every target is covered".
 * </ol>
 *
 * <p>An agent that runs a local rules file ({@code rulesSource} {@code file}) never runs the
 * document: its policies are its file's, which the control plane cannot see. It is judged by what
 * it reports alone ({@link Coverage#REPORTED}): no target counts as protected for the document's
 * sake, a {@code coveredBy} it names is taken as it is (its calls a policy guarded are protected),
 * and its shadow count is the only word on shadow mode. Before, such an agent was judged against
 * the document: a target a document's policy covers but its file does not read as protected, and
 * its file's policy, unknown to the document, made every guarded call count as unguarded. Each
 * target says how many of its agents run a rules file ({@code agentsOnRulesFile}): a policy added
 * to the document does not reach them.
 *
 * <p>Agents are judged one by one: a target one agent's calls reached guarded and another's not is
 * listed with the latter's traffic only. All matching uses the agents' own compiled matchers. A
 * target is listed, and its agents' traffic summed, under its canonical spelling ({@link
 * #canonicalTarget}), however each agent spelled it.
 */
final class UnprotectedTargets {

  /**
   * The suggested policy's {@code slowCallDuration} for a target with no p99 (no call completed):
   * the rule language's own example, loose enough not to call ordinary calls slow.
   */
  static final long SLOW_SECONDS_WITHOUT_P99 = 2;

  /** The longest {@code slowCallDuration} in seconds the rule language reads (nine digits). */
  static final long MAX_SLOW_SECONDS = 999_999_999;

  private UnprotectedTargets() {}

  /**
   * One unprotected target, aggregated over the service's agents.
   *
   * @param target {@code host:port} in canonical spelling (lower case; an IPv6 literal in RFC 5952
   *     form, in brackets), however agents spelled it
   * @param callsPerMinute unguarded calls in the last minute (those a policy in shadow mode matched
   *     included), summed over agents
   * @param errorsPerMinute failed unguarded calls in the last minute, summed
   * @param errorRate errors / calls, in [0, 1]
   * @param p99Millis the highest p99 any of these agents reports (over all its calls to the
   *     target); {@code null} when none reports one (no call to it completed in the last minute)
   * @param agents how many agents call it without a breaker guarding (some of) their calls
   * @param guardedCallsPerMinute the calls to it a policy did guard, summed over those agents
   * @param guardedBy the policies that guarded those calls, sorted: the agents' latest matched
   *     call's, else the document's for this host and port that are not in shadow mode
   * @param shadowedCallsPerMinute the calls to it a policy in shadow mode matched (counted in
   *     {@code callsPerMinute}: such a policy lets every call through), summed over the agents
   * @param shadowedBy the policies in shadow mode for those calls, sorted: the agents' latest
   *     matched call's when it is one, else the document's for this host and port; empty when no
   *     such call was counted (or only agents on a rules file, whose policies are not known here,
   *     counted them)
   * @param suggestedPolicy a breaker policy to add to {@code breakers}, in shadow mode first
   * @param agentsOnRulesFile how many of {@code agents} run a local rules file: the suggested
   *     policy, added to the document, does not reach them
   */
  record Target(
      String target,
      long callsPerMinute,
      long errorsPerMinute,
      double errorRate,
      Double p99Millis,
      int agents,
      long guardedCallsPerMinute,
      List<String> guardedBy,
      long shadowedCallsPerMinute,
      List<String> shadowedBy,
      Map<String, Object> suggestedPolicy,
      int agentsOnRulesFile) {}

  /**
   * How complete the agents' reports behind a {@link #find} are. An agent reports only its busiest
   * targets (the SDK: 50) and counts the rest in {@code topTargetsOmitted}: a target that only such
   * agents call, less than their listed ones, cannot be found, and the answer must say so rather
   * than pass for complete. Sent as response headers, beside the list the API has always answered.
   *
   * @param agents the agents whose reports were read
   * @param agentsCapped those of them that left targets out of their reports
   * @param targetsOmitted the targets they left out, summed (one target may count once per agent)
   */
  record Reports(int agents, int agentsCapped, long targetsOmitted) {

    static Reports of(List<AgentStatus> agents) {
      int capped = 0;
      long omitted = 0;
      for (AgentStatus agent : agents) {
        if (agent.topTargetsOmitted() > 0) {
          capped++;
          omitted += agent.topTargetsOmitted();
        }
      }
      return new Reports(agents.size(), capped, omitted);
    }
  }

  /** The unguarded traffic to one target, summed over agents while they are read. */
  private static final class Sums {
    long calls;
    long errors;
    Double p99;
    int agents;
    int agentsOnRulesFile;

    /** The agent last counted in {@link #agents}: one may report a target under two spellings. */
    AgentStatus lastAgent;

    long guardedCalls;
    final Set<String> guardedBy = new TreeSet<>();
    long shadowedCalls;
    final Set<String> shadowedBy = new TreeSet<>();
  }

  static List<Target> find(List<AgentStatus> agents, RuleDocument current) {
    Coverage ofDocument = Coverage.of(current);
    Map<String, Sums> traffic = new TreeMap<>();
    for (AgentStatus agent : agents) {
      boolean onRulesFile = Rollout.RULES_FILE_SOURCE.equals(agent.rulesSource());
      Coverage coverage = onRulesFile ? Coverage.REPORTED : ofDocument;
      for (AgentStatus.TargetStats stats : agent.topTargets()) {
        if (stats.callsPerMinute() <= 0) {
          continue;
        }
        String[] hostPort = stats.target() == null ? null : split(stats.target());
        // not host:port: nothing to match or suggest (agents always report host:port)
        if (hostPort == null) {
          continue;
        }
        String host = hostPort[0];
        int port = Integer.parseInt(hostPort[1]);
        if (coverage.guardsEveryCall(host, port)) {
          continue;
        }
        String covering = coverage.covering(host, port, stats.coveredBy());
        long total = stats.callsPerMinute();
        long calls = total;
        long errors = stats.errorsPerMinute();
        long shadowed = 0;
        Long unguarded = stats.unguardedCallsPerMinute();
        Long unguardedErrors = stats.unguardedErrorsPerMinute();
        Long shadowCalls = stats.shadowCallsPerMinute();
        // a newer agent's unguarded calls include those a policy in shadow mode matched
        boolean countsShadow = unguarded != null && shadowCalls != null;
        if (covering != null) {
          if (!countsShadow && coverage.inShadowMode(covering)) {
            // an older agent, whose unguarded calls leave out those a policy in shadow mode
            // matched, and its latest matched call had one: none of its calls counts as protected
            shadowed = unguarded == null ? total : Math.max(0, total - unguarded);
          } else if (unguarded == null) {
            continue; // an older agent still: cannot tell, counted as protected
          } else {
            // the unguarded calls are the unprotected ones, whichever policy the latest had
            calls = Math.min(total, unguarded);
            errors = Math.min(errors, unguardedErrors == null ? 0 : unguardedErrors);
          }
          if (calls <= 0) {
            continue;
          }
        }
        if (countsShadow) {
          shadowed = Math.min(calls, Math.max(0, shadowCalls));
        }
        // one row per target however agents spell it: older agents report a host as their
        // client spelled it ([0:0:0:0:0:0:0:1], Payments), newer ones in canonical form, and
        // during a rolling upgrade both report the same dependency
        Sums sums = traffic.computeIfAbsent(canonicalTarget(host, port), t -> new Sums());
        sums.calls += calls;
        sums.errors += errors;
        if (sums.lastAgent != agent) {
          sums.lastAgent = agent;
          sums.agents++;
          if (onRulesFile) {
            sums.agentsOnRulesFile++;
          }
        }
        Double p99 = stats.p99Millis();
        // a p99 no agent measures (infinite, NaN, negative: hand-written) is no p99
        if (p99 != null
            && Double.isFinite(p99)
            && p99 >= 0
            && (sums.p99 == null || p99 > sums.p99)) {
          sums.p99 = p99;
        }
        // the latest matched call's policy is named when it is of the kind counted, else the
        // document's of that kind for this host and port
        long guarded = total - calls;
        if (guarded > 0) {
          sums.guardedCalls += guarded;
          sums.guardedBy.addAll(coverage.policiesFor(host, port, covering, false, shadowed > 0));
        }
        if (shadowed > 0) {
          sums.shadowedCalls += shadowed;
          sums.shadowedBy.addAll(coverage.policiesFor(host, port, covering, true, guarded > 0));
        }
      }
    }
    List<Target> targets = new ArrayList<>();
    traffic.forEach(
        (target, sums) -> {
          double rate = sums.calls == 0 ? 0 : Math.min(1.0, (double) sums.errors / sums.calls);
          targets.add(
              new Target(
                  target,
                  sums.calls,
                  sums.errors,
                  rate,
                  sums.p99,
                  sums.agents,
                  sums.guardedCalls,
                  List.copyOf(sums.guardedBy),
                  sums.shadowedCalls,
                  List.copyOf(sums.shadowedBy),
                  suggest(split(target), sums.p99),
                  sums.agentsOnRulesFile));
        });
    targets.sort((a, b) -> Long.compare(b.callsPerMinute(), a.callsPerMinute()));
    return targets;
  }

  /**
   * A policy that guards every call to the target; shadow mode, so it can be watched first. Its
   * members, and those of its {@code match} and {@code slidingWindow}, come in the order the
   * documentation writes them (an immutable map's order changes from one start to the next). A call
   * is slow past twice the target's p99, in whole seconds, at least one; without a p99 (no call
   * completed) past {@value #SLOW_SECONDS_WITHOUT_P99} s.
   */
  static Map<String, Object> suggest(String[] hostPort, Double p99Millis) {
    long slowSeconds =
        p99Millis == null
            ? SLOW_SECONDS_WITHOUT_P99
            : Math.min(MAX_SLOW_SECONDS, Math.max(1, (long) Math.ceil(2 * p99Millis / 1000.0)));
    Map<String, Object> policy = new LinkedHashMap<>();
    policy.put("name", suggestedName(hostPort[0], hostPort[1]));
    Map<String, Object> match = new LinkedHashMap<>();
    match.put("host", hostPort[0]);
    match.put("port", Integer.parseInt(hostPort[1]));
    policy.put("match", match);
    policy.put("failureRateThreshold", 50);
    policy.put("slowCallRateThreshold", 80);
    policy.put("slowCallDuration", slowSeconds + "s");
    Map<String, Object> slidingWindow = new LinkedHashMap<>();
    slidingWindow.put("type", "COUNT");
    slidingWindow.put("size", 20);
    policy.put("slidingWindow", slidingWindow);
    policy.put("minimumCalls", 10);
    policy.put("waitInOpenState", "10s");
    policy.put("halfOpenCalls", 3);
    policy.put("failureStatusCodes", List.of("5xx"));
    policy.put("onOpen", Map.of("mode", "error"));
    policy.put("shadow", true);
    return policy;
  }

  /**
   * {@code host-port}, so that two ports of one host get two names; within the rule language's 128
   * characters, and of {@code a-z 0-9 . _ -} only. A host that does not fit that as it is (an IPv6
   * literal, a zone, a character replaced by {@code -}, a name cut short) gets a short hash of its
   * {@link CallTarget#canonicalHost canonical} spelling before the port, so that two targets never
   * share a name and adding both is never refused as a duplicate: {@code fe80::1%ETH0} and {@code
   * fe80::1%eth0} are two targets (a zone keeps its case), and two long names may differ only after
   * the cut.
   *
   * <p>Why the two forms cannot meet: a hashed name always ends in {@code -<8 hex digits>-<port>}.
   * A plain host that ends in {@code -<8 hex digits>} itself ({@code fe80--1-eth0-016a8c97}, the
   * hashed name of {@code fe80::1%eth0}) would spell such a name, so it is hashed too; every other
   * plain host keeps {@code host-port}, and no {@code host-port} ends that way.
   */
  static String suggestedName(String host, String port) {
    String canonical = CallTarget.canonicalHost(host);
    String readable = canonical.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]", "-");
    String suffix = "-" + port;
    if (readable.equals(canonical)
        && readable.length() + suffix.length() <= MAX_NAME_LENGTH
        && !HASH_TAIL.matcher(readable).find()) {
      return readable + suffix;
    }
    suffix = "-" + hash(canonical) + suffix;
    return readable.substring(0, Math.min(readable.length(), MAX_NAME_LENGTH - suffix.length()))
        + suffix;
  }

  /** How a hashed name's host part ends: a plain host that ends so is hashed too. */
  private static final Pattern HASH_TAIL = Pattern.compile("-[0-9a-f]{8}$");

  /** The rule language's limit on a policy's name. */
  private static final int MAX_NAME_LENGTH = 128;

  /** The first 8 hex digits of {@code text}'s SHA-256: the same on every control plane. */
  private static String hash(String text) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  /**
   * The current document's policies as far as a target's host and port can tell: whether they guard
   * every call to a target, and each policy by name for checking what an agent reports.
   */
  private static class Coverage {

    /**
     * What is known of the policies of an agent on a local rules file: nothing but what it reports.
     * No target is guarded for the document's sake, the policy it names is taken as it is, and none
     * is known to be in shadow mode (its shadow count says how many calls one matched).
     */
    static final Coverage REPORTED =
        new Coverage(Map.of()) {
          @Override
          String covering(String host, int port, String coveredBy) {
            return coveredBy;
          }

          /**
           * The policy it names, for its calls of one kind when it counted none of the other:
           * whether that policy is in shadow mode is its file's to say, which the control plane
           * cannot read, so with calls of both kinds it could be either, and none is named.
           */
          @Override
          List<String> policiesFor(
              String host, int port, String covering, boolean shadow, boolean otherKindCounted) {
            return covering != null && !otherKindCounted ? List.of(covering) : List.of();
          }
        };

    /** A policy of the document, and it alone compiled, widened to its host and port. */
    private record Policy(BreakerPolicy policy, CompiledRules hostAndPort) {

      boolean matches(String host, int port) {
        return Coverage.matches(hostAndPort, host, port);
      }
    }

    /** The document's policies by name, in its order. */
    private final Map<String, Policy> policies;

    private Coverage(Map<String, Policy> policies) {
      this.policies = policies;
    }

    static Coverage of(RuleDocument document) {
      Map<String, Policy> policies = new LinkedHashMap<>();
      for (BreakerPolicy p : document.breakers()) {
        policies.put(
            p.name(),
            new Policy(p, CompiledRules.compile(with(document, List.of(hostAndPortOnly(p))))));
      }
      return new Coverage(policies);
    }

    /**
     * Whether a policy of the document guards every call to {@code host:port}: one without method
     * and path matches it, and no policy in shadow mode that matches it comes first (the calls that
     * one matches would be let through whatever happens).
     */
    boolean guardsEveryCall(String host, int port) {
      for (Policy compiled : policies.values()) {
        if (compiled.matches(host, port)) {
          BreakerPolicy p = compiled.policy;
          if (p.shadow()) {
            return false;
          }
          if (p.match().method() == null && p.match().path() == null) {
            return true;
          }
        }
      }
      return false;
    }

    /**
     * {@code coveredBy}, the policy an agent reports for {@code host:port}, when it is one of the
     * document's and matches that host and port (then the agent's guarded calls are protected,
     * unless it is {@linkplain #inShadowMode in shadow mode}); else null.
     */
    String covering(String host, int port, String coveredBy) {
      Policy named = coveredBy == null ? null : policies.get(coveredBy);
      return named != null && named.matches(host, port) ? coveredBy : null;
    }

    /**
     * The policies in shadow mode ({@code shadow}) or not that match {@code host:port}: {@code
     * covering} when it is of that kind, else the document's, in its order. Whether the agent
     * counted calls of the other kind too ({@code otherKindCounted}) tells nothing here: the
     * document says which kind each policy is.
     */
    List<String> policiesFor(
        String host, int port, String covering, boolean shadow, boolean otherKindCounted) {
      if (covering != null && inShadowMode(covering) == shadow) {
        return List.of(covering);
      }
      List<String> names = new ArrayList<>();
      for (Policy p : policies.values()) {
        if (p.policy.shadow() == shadow && p.matches(host, port)) {
          names.add(p.policy.name());
        }
      }
      return names;
    }

    /** Whether the document's policy {@code name} is in shadow mode: it rejects no call. */
    boolean inShadowMode(String name) {
      Policy p = policies.get(name);
      return p != null && p.policy.shadow();
    }

    /** Method and path are placeholders: the policies compiled here do not test them. */
    private static boolean matches(CompiledRules rules, String host, int port) {
      return rules.breakerPolicyIndex(host, port, "GET", "/") != CompiledRules.NO_MATCH;
    }

    private static RuleDocument with(RuleDocument document, List<BreakerPolicy> breakers) {
      return new RuleDocument(
          document.schemaVersion(), document.service(), document.sampling(), breakers);
    }

    private static BreakerPolicy hostAndPortOnly(BreakerPolicy p) {
      return p.withMatch(new CallMatch(p.match().host(), p.match().port(), null, null));
    }
  }

  /**
   * A target as current agents report it: the {@link CallTarget#canonicalHost canonical} host (an
   * IPv6 literal in brackets) and the port as a number.
   */
  static String canonicalTarget(String canonicalHost, int port) {
    return (canonicalHost.indexOf(':') >= 0 ? "[" + canonicalHost + "]" : canonicalHost)
        + ":"
        + port;
  }

  /**
   * {@code host:port} (IPv6 hosts in brackets) into host, in the spelling policies are matched
   * against ({@link CallTarget#canonicalHost}: an older agent reported an IPv6 literal as its
   * client spelled it), and port; or {@code null}.
   */
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
    return new String[] {CallTarget.canonicalHost(host), port};
  }
}
