package io.sluice.controlplane.agents;

import io.sluice.rules.wire.AgentStatus;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Counts the Sluice versions a set of agents reports, for a rollout: while an upgrade rolls out, a
 * service's page says which versions its agents run, and it lists only a page of them (200), so the
 * count has to come from the control plane, which holds every agent.
 *
 * <p>The counts are by the version as the agent reports it ({@link AgentStatus.Versions#sluice()}),
 * compared as strings: {@code 0.2.0} and {@code 0.2.0-SNAPSHOT} are two versions. An agent that
 * reports none (no {@code versions}, or a {@code sluice} that is {@code null} or empty) is counted
 * under {@link #UNREPORTED}, the word the web UI has always shown for it.
 */
final class SluiceVersions {

  /**
   * The key of agents that report no Sluice version. (An agent that reports this very word as its
   * version is counted with them: no release is named so.)
   */
  static final String UNREPORTED = "unreported";

  private SluiceVersions() {}

  /**
   * How many of {@code agents} report each Sluice version, sorted by version (as strings compare,
   * so answers are the same from one read to the next); {@code {}} without agents.
   */
  static Map<String, Integer> of(List<AgentStatus> agents) {
    Map<String, Integer> counts = new TreeMap<>();
    for (AgentStatus agent : agents) {
      counts.merge(versionOf(agent), 1, Integer::sum);
    }
    return Collections.unmodifiableMap(counts);
  }

  /** The Sluice version {@code agent} reports, or {@link #UNREPORTED}. */
  private static String versionOf(AgentStatus agent) {
    AgentStatus.Versions versions = agent.versions();
    String sluice = versions == null ? null : versions.sluice();
    return sluice == null || sluice.isEmpty() ? UNREPORTED : sluice;
  }
}
