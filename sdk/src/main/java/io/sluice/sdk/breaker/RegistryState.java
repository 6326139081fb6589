package io.sluice.sdk.breaker;

import io.sluice.rules.BreakerPolicy;
import io.sluice.sdk.ActiveRules;
import io.sluice.sdk.QuietLog;
import java.time.Clock;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The registry's view of one {@link ActiveRules} snapshot: a {@link PolicyState} per breaker
 * policy, aligned with the document's breakers (so {@code CompiledRules.breakerPolicyIndex} indexes
 * it). Built once per snapshot; policies equal to the previous snapshot's keep their state object.
 */
final class RegistryState {

  private static final Logger logger = Logger.getLogger(RegistryState.class.getName());

  final ActiveRules rules;
  final CallIndex calls;

  /** Aligned with the document's breakers; null where a policy could not be configured. */
  final PolicyState[] policies;

  /**
   * The problem warned of for each policy of this snapshot that could not be configured, by name:
   * the next snapshot warns only of a policy that was configured here (or absent) or fails anew
   * with another problem, not again at every revision for as long as the policy stays broken. No
   * larger than the document's breakers; empty (and shared) when every policy was configured.
   */
  private final Map<String, String> warned;

  RegistryState(ActiveRules rules, RegistryState previous, Clock clock, boolean autoHalfOpen) {
    this.rules = rules;
    List<BreakerPolicy> list = rules.document().breakers();
    calls = new CallIndex(list);
    policies = new PolicyState[list.size()];
    Map<String, String> warnedNow = null;
    for (int i = 0; i < policies.length; i++) {
      BreakerPolicy policy = list.get(i);
      PolicyState old = previous == null ? null : previous.byName(policy.name());
      if (old != null && old.policy.equals(policy)) {
        policies[i] = old;
        continue;
      }
      try {
        policies[i] =
            new PolicyState(policy, BreakerSettings.of(policy).toConfig(clock, autoHalfOpen));
      } catch (RuntimeException e) {
        String problem = e.toString();
        boolean told =
            previous != null && problem.equals(previous.warned.get(policy.name()))
                || QuietLog.write(
                    logger,
                    Level.WARNING,
                    "breaker policy '"
                        + policy.name()
                        + "' cannot be configured; its calls are unguarded",
                    e);
        if (told) { // a line a broken log handler lost is tried again at the next revision
          if (warnedNow == null) {
            warnedNow = new HashMap<>();
          }
          warnedNow.put(policy.name(), problem);
        }
      }
    }
    warned = warnedNow == null ? Map.of() : warnedNow;
  }

  /** The policy named {@code name}, or null. */
  PolicyState byName(String name) {
    int i = indexOf(name);
    return i < 0 ? null : policies[i];
  }

  /** The names of the document's breaker policies, configured or not. */
  Set<String> policyNames() {
    Set<String> names = new HashSet<>();
    for (BreakerPolicy policy : rules.document().breakers()) {
      names.add(policy.name());
    }
    return names;
  }

  /** The index of the policy named {@code name}, or -1. */
  int indexOf(String name) {
    for (int i = 0; i < policies.length; i++) {
      PolicyState p = policies[i];
      if (p != null && p.name.equals(name)) {
        return i;
      }
    }
    return -1;
  }
}
