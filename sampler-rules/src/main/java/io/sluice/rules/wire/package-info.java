/**
 * Wire formats that agents and the control plane share through etcd: the {@linkplain
 * io.sluice.rules.wire.EtcdKeys key layout} and the {@linkplain io.sluice.rules.wire.AgentStatus
 * agent status document}. Both are contracts; extend them, never rename fields.
 */
package io.sluice.rules.wire;
