/**
 * etcd access for the control plane.
 *
 * <p>{@link io.sluice.controlplane.etcd.EtcdGateway} is the one door to etcd: the key layout and a
 * deadline on every call (a missed deadline answers 503). It reads key ranges in pages at one
 * revision ({@code RangeReader}), so no range outgrows one gRPC answer. {@link
 * io.sluice.controlplane.etcd.PrefixWatch} mirrors a prefix into memory with read-then-watch and
 * resynchronises after outages and compactions; {@link io.sluice.controlplane.etcd.PrefixWatches}
 * creates them and keeps them for {@code /actuator/health} (component {@code watches}), which says
 * when a mirror's read fails; {@code FirstReadGate} holds the start until every mirror has read its
 * prefix once (up to the etcd deadline for all together); before it, {@code EtcdWarmUp} opens the
 * connection with a first read, also up to the etcd deadline, probing every endpoint at once
 * ({@code EndpointProbe}) to say, when etcd does not answer, why: in the log, and in the {@code
 * etcd} health component until etcd is first read ({@code StartFindings}). {@link
 * io.sluice.controlplane.etcd.EmbeddedEtcd} starts a local etcd when no endpoints are configured,
 * for first use; what the gateway and the mirrors know of it ({@code EmbeddedEtcdRuns}: whether it
 * runs, which run, when it runs again) keeps them off whatever else answers on its port meanwhile.
 *
 * <p>After an etcd failure the gateway's next calls and the mirrors' retries first have the client
 * reconnect at once ({@code io.sluice.etcd.EtcdChannels}, shared with the agents): gRPC's own
 * reconnect backoff, up to 2 minutes apart after a long outage, would otherwise keep writes
 * answering 503 and health DOWN long after etcd is back. Whatever call etcd answers (or refuses)
 * also ends the API's stretch of 503s in the log ({@link
 * io.sluice.controlplane.etcd.EtcdOutageLog}: one WARNING per outage, one INFO line when etcd
 * answers again).
 */
package io.sluice.controlplane.etcd;
