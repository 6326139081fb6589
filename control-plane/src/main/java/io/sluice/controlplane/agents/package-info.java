/**
 * Agents and rollout: the live inventory mirrored from {@code {ns}/v1/agents/} (read once, then
 * watched from the next revision, resynchronised after outages and compactions), per service how
 * many agents run the current revision, an older one, or rejected it and why, and which busy
 * outgoing targets no breaker policy covers.
 */
package io.sluice.controlplane.agents;
