package io.sluice.controlplane.agents;

import io.sluice.rules.wire.AgentStatus;

/**
 * An agent's status key changed: it appeared, reported again, or went away (its lease expired or it
 * deleted the key). Published as a Spring application event; the event stream forwards it as SSE
 * event {@code agent}.
 *
 * @param action {@code put} or {@code delete}
 * @param service the agent's service
 * @param instanceId the agent's instance id
 * @param status the new status, or {@code null} after a delete
 */
public record AgentChanged(String action, String service, String instanceId, AgentStatus status) {}
