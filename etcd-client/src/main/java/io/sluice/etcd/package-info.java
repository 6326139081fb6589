/**
 * What the agent ({@code sluice-sdk}) and the control plane share about talking to etcd through a
 * jetcd client and keeping its state on disk; nothing here starts a thread or opens a connection.
 *
 * <ul>
 *   <li>{@link io.sluice.etcd.EtcdAddress} reads an endpoint URL's host and port as gRPC dials
 *       them, also for the names {@link java.net.URI} takes no host from ({@code etcd_1}, as
 *       docker-compose names services), and builds the client's gRPC target from them, so that
 *       {@code sluice.etcd.endpoints} means the same on both sides.
 *   <li>{@link io.sluice.etcd.EtcdEndpoints#check} checks {@code sluice.etcd.endpoints} for both
 *       sides: it keeps the endpoints a client can dial and words every problem of the others, so
 *       the agent and the control plane refuse the same values with the same messages.
 *   <li>{@link io.sluice.etcd.EtcdChannels#reconnectNow} has a client that is waiting out gRPC's
 *       reconnect backoff (up to 2 minutes after a long outage) try etcd again at once: call it
 *       right before each retry after an etcd failure, and the caller's own retry pace decides how
 *       soon etcd is seen again.
 *   <li>{@link io.sluice.etcd.EtcdSchemeMismatch} tells a failure caused by endpoints of the wrong
 *       scheme ({@code https://} to a plain etcd, {@code http://} to a TLS one) from an outage, on
 *       specific evidence only, so that the one line logged per outage says what to fix.
 *   <li>{@link io.sluice.etcd.TemporaryStateDirectory} is where both sides keep etcd's state (the
 *       agent's last-known-good rules, the embedded etcd's data) when the JVM knows no home, and
 *       the check that keeps that directory under the temporary directory private to the user.
 *   <li>{@link io.sluice.etcd.Causes} walks a failure's causes for every reader of etcd's failures,
 *       each cause once and to a bounded depth, so a chain that loops cannot hold the thread that
 *       reads it.
 * </ul>
 *
 * <p>gRPC's per-retry warnings about a channel built for a {@code sluice-etcd:} target ({@code
 * Failed to resolve name}) are kept out of java.util.logging's output from the first such channel
 * on, by a filter on gRPC's channel logger that leaves every other channel's lines alone.
 *
 * <p>The module depends on jetcd only: the control plane uses it without the agent runtime, and the
 * javaagent extension bundles it with jetcd and gRPC relocated.
 */
package io.sluice.etcd;
