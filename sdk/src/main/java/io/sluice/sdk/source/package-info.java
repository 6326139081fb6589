/**
 * Where rules come from, live: {@link io.sluice.sdk.source.EtcdRuleSource} watches the service's
 * document and {@code _default} in etcd, {@link io.sluice.sdk.source.FileRuleSource} a local file,
 * and {@link io.sluice.sdk.source.LastKnownGoodStore} keeps the last rules applied from etcd on
 * disk, per service and etcd namespace, for starts while etcd is down. The etcd source has its
 * client reconnect at once before each retry ({@link io.sluice.etcd.EtcdChannels}, module {@code
 * sluice-etcd-client}, shared with the control plane), instead of when gRPC's reconnect backoff (up
 * to 2 minutes) ends.
 *
 * <p>Every source runs the same pipeline on its own thread (a file source's first read happens in
 * {@code start()}, so its rules are in force when that returns): read, parse and validate ({@code
 * RuleCodec}), compile ({@code CompiledRules}), publish one immutable {@link
 * io.sluice.sdk.ActiveRules} snapshot to an {@link io.sluice.sdk.ActiveRulesHolder}. Samplers and
 * breakers only read the holder, so the request path never waits for any of this. Invalid documents
 * are rejected whole: the rules in force stay, the problem is logged once and reported through
 * {@link io.sluice.sdk.source.RuleSourceListener} and {@link
 * io.sluice.sdk.source.RuleSource#lastRejection()}. So is a document the source itself fails on
 * while judging it (a bug), with one error naming the failure: a document is judged once, never
 * retried (see {@code DocumentVerdict}).
 *
 * <pre>{@code
 * ActiveRulesHolder rules = new ActiveRulesHolder(ActiveRules.defaults("orders"));
 * Client client = EtcdClientFactory.create(config);
 * EtcdRuleSource source = EtcdRuleSource.builder(client, rules, "orders")
 *     .keys(config.etcdKeys())
 *     .etcdCredentials(config.etcdCredentials())
 *     .lastKnownGood(LastKnownGoodStore.builder(config.stateDir())
 *         .namespace(config.namespace())
 *         .etcdEndpoints(config.etcdEndpoints())
 *         .build())
 *     .build();
 * source.start();   // returns at once
 * ...
 * source.close();
 * client.close();
 * }</pre>
 */
package io.sluice.sdk.source;
