package io.sluice.controlplane.agents;

import io.sluice.rules.wire.AgentStatus;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Counts the breakers of agents that are open or half-open, for the services list: the number an
 * operator looks at first to see that a dependency is failing.
 *
 * <p>An agent lists at most 200 breakers (those not {@code CLOSED} first) and counts the rest as
 * omitted, so counting the listed ones stops at 200 per agent exactly when most breakers are open.
 * Agents that report {@code breakersByState} count every live breaker there, and that is used; for
 * older agents the listed breakers are all there is. Shadow breakers count by their would-be state,
 * as they are listed.
 */
final class OpenBreakers {

  /** The states in which a breaker lets not every call through, as the web UI reads them. */
  static final Set<String> NOT_CLOSED = Set.of("OPEN", "FORCED_OPEN", "HALF_OPEN");

  private OpenBreakers() {}

  /** The open, forced-open and half-open breakers of {@code agents}, together. */
  static int of(List<AgentStatus> agents) {
    int open = 0;
    for (AgentStatus agent : agents) {
      open += of(agent);
    }
    return open;
  }

  /** The open, forced-open and half-open breakers of one agent. */
  static int of(AgentStatus agent) {
    Map<String, Integer> byState = agent.breakersByState();
    int open = 0;
    if (byState != null) {
      for (Map.Entry<String, Integer> e : byState.entrySet()) {
        if (NOT_CLOSED.contains(e.getKey())) {
          open += e.getValue();
        }
      }
      return open;
    }
    for (AgentStatus.BreakerState breaker : agent.breakers()) {
      // a status written by hand may leave a state out (Set.of's contains(null) throws: the
      // whole services list answered 500); a breaker without one is not known to be open
      if (breaker.state() != null && NOT_CLOSED.contains(breaker.state())) {
        open++;
      }
    }
    return open;
  }
}
