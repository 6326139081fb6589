package io.sluice.controlplane.agents;

import io.sluice.rules.wire.AgentStatus;

/**
 * Agent statuses for tests that need an agent to be listed, not to say anything in particular: one
 * place for the twelve arguments of {@link AgentStatus}, so a test names only what it is about.
 */
public final class TestAgentStatuses {

  private TestAgentStatuses() {}

  /**
   * The least an agent reports: instance {@code instance} of {@code service} on host {@code h}, pid
   * 1, running the built-in defaults (no document applied), no versions, times, rejection, breakers
   * or targets.
   */
  public static AgentStatus minimal(String instance, String service) {
    return new AgentStatus(
        instance, service, "h", 1, null, null, null, "defaults", 0, null, null, null);
  }
}
