package io.sluice.controlplane.rules;

/**
 * A service's rule document changed in etcd (through this control plane, another one, or by hand).
 * Published as a Spring application event; the event stream forwards it as SSE event {@code rules}.
 *
 * @param service the service
 * @param revision the revision of the change
 * @param action {@code put} or {@code delete}
 */
public record RulesChanged(String service, long revision, String action) {}
