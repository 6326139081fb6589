/**
 * What an agent tells the control plane about itself: {@link io.sluice.sdk.status.StatusReporter}
 * keeps an {@link io.sluice.rules.wire.AgentStatus} document alive in etcd under a lease — the
 * rules revision in force, the last rejected document with its errors, breaker states and the
 * busiest outgoing targets. Each write is an etcd revision, so the status is written on a
 * meaningful change ({@code StatusChange}: a state, revision, rejection or set of breakers or
 * targets, or a figure that moved by 10 % and more) and otherwise once a minute, and its lists are
 * capped ({@code StatusCaps}) to stay far below etcd's request limit. Inside, the reporter runs the
 * thread and the debounce; {@code StatusDocument} builds the status (counting every breaker by
 * state before the list is capped), {@code WritePacing} decides when it is written, {@code
 * StatusLease} keeps the lease and {@code StatusWriter} puts the value.
 *
 * <pre>{@code
 * StatusReporter status = StatusReporter.builder(client, "orders", rules)
 *     .keys(config.etcdKeys())
 *     .etcdCredentials(config.etcdCredentials())
 *     .addRuleSource(source)
 *     .breakers(registry::breakerStates)
 *     .topTargets(registry::targetStats)
 *     .build();
 * status.start();          // returns at once
 * status.requestUpdate();  // after anything worth reporting changed; debounced
 * status.close();          // revokes the lease: the agent disappears at once
 * }</pre>
 */
package io.sluice.sdk.status;
