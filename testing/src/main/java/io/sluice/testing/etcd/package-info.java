/**
 * A real etcd for tests.
 *
 * <p>{@link io.sluice.testing.etcd.EtcdExtension} starts the {@code etcd} binary from {@code PATH}
 * on free loopback ports once per test class; {@link io.sluice.testing.etcd.EtcdServer} can also be
 * stopped and restarted on the same port and data directory to simulate an outage, and compacted to
 * exercise a watcher's recovery. Its own writes are anonymous; once a test turns etcd's
 * authentication on, {@link io.sluice.testing.etcd.EtcdServer#asUser} gives it {@link
 * io.sluice.testing.etcd.EtcdKv}, the same calls on keys, users and roles as a user. {@link
 * io.sluice.testing.etcd.ConnectProxy} stands in front of it as an HTTP {@code CONNECT} proxy that
 * tunnels or refuses. Nothing here mocks etcd.
 */
package io.sluice.testing.etcd;
