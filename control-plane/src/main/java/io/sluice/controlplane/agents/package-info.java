/**
 * Agents and rollout: the live inventory mirrored from {@code {ns}/v1/agents/} (read once, then
 * watched from the next revision, resynchronised after outages and compactions) and read page by
 * page when a fleet is large ({@link io.sluice.controlplane.agents.AgentPage}), per service how
 * many agents run the current revision, an older one, one above it (a document deleted or lost
 * since), or rejected it and why, and which run a local rules file and never take it ({@link
 * io.sluice.controlplane.agents.Rollout}, with how many stand where and run which Sluice version,
 * also without an entry per agent for a fleet of thousands), and which busy outgoing targets no
 * breaker policy covers.
 */
package io.sluice.controlplane.agents;
