/**
 * What an agent tells the control plane about itself: {@link io.sluice.sdk.status.StatusReporter}
 * keeps an {@link io.sluice.rules.wire.AgentStatus} document alive in etcd under a lease — the
 * rules revision in force, the last rejected document with its errors, breaker states and the
 * busiest outgoing targets.
 *
 * <pre>{@code
 * StatusReporter status = StatusReporter.builder(client, "orders", rules)
 *     .keys(config.etcdKeys())
 *     .addRuleSource(source)
 *     .breakers(registry::breakerStates)
 *     .topTargets(() -> registry.topTargets(10))
 *     .build();
 * status.start();          // returns at once
 * status.requestUpdate();  // after anything worth reporting changed; debounced
 * status.close();          // revokes the lease: the agent disappears at once
 * }</pre>
 */
package io.sluice.sdk.status;
