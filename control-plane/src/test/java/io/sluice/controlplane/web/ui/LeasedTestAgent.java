package io.sluice.controlplane.web.ui;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.support.CloseableClient;
import io.etcd.jetcd.watch.WatchEvent;
import io.grpc.stub.StreamObserver;
import io.sluice.rules.ParseResult;
import io.sluice.rules.RuleCodec;
import io.sluice.rules.wire.AgentStatus;
import io.sluice.rules.wire.AgentStatusCodec;
import io.sluice.rules.wire.EtcdKeys;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An agent as the control plane sees one: it reads its service's rule document from the real etcd,
 * watches it from the next revision, validates each version with the rule language and keeps its
 * status key alive under a lease, reporting the applied (or rejected) revision, its breakers and
 * its busiest targets. Stands in for the {@code sdk}'s rule source and status reporter until those
 * land; the wire format is the shared {@link AgentStatusCodec}.
 */
final class LeasedTestAgent implements AutoCloseable {

  private final Client client;
  private final EtcdKeys keys = EtcdKeys.defaults();
  private final String service;
  private final String instanceId;
  private final String host;
  private final List<AgentStatus.BreakerState> breakers;
  private final List<AgentStatus.TargetStats> targets;
  private long lease;
  private CloseableClient keepAlive;
  private Watch.Watcher watcher;
  private volatile long applied;
  private volatile AgentStatus.Rejection rejected;

  LeasedTestAgent(
      String endpoint,
      String service,
      String instanceId,
      String host,
      List<AgentStatus.BreakerState> breakers,
      List<AgentStatus.TargetStats> targets) {
    this.client = Client.builder().endpoints(endpoint).build();
    this.service = service;
    this.instanceId = instanceId;
    this.host = host;
    this.breakers = breakers;
    this.targets = targets;
  }

  void start() throws Exception {
    lease = client.getLeaseClient().grant(15).get(10, TimeUnit.SECONDS).getID();
    keepAlive = client.getLeaseClient().keepAlive(lease, new IgnoringObserver());
    ByteSequence rulesKey = bytes(keys.rules(service));
    var current = client.getKVClient().get(rulesKey).get(10, TimeUnit.SECONDS);
    if (!current.getKvs().isEmpty()) {
      apply(current.getKvs().get(0));
    }
    report();
    long from = current.getHeader().getRevision() + 1;
    watcher =
        client
            .getWatchClient()
            .watch(
                rulesKey,
                WatchOption.builder().withRevision(from).build(),
                Watch.listener(
                    response -> {
                      for (WatchEvent event : response.getEvents()) {
                        if (event.getEventType() == WatchEvent.EventType.PUT) {
                          apply(event.getKeyValue());
                          report();
                        }
                      }
                    }));
  }

  long appliedRevision() {
    return applied;
  }

  private void apply(KeyValue kv) {
    ParseResult result = RuleCodec.parse(kv.getValue().getBytes());
    if (result.isValid()) {
      applied = kv.getModRevision();
      rejected = null;
    } else {
      rejected =
          new AgentStatus.Rejection(
              kv.getModRevision(), result.errors().stream().map(Object::toString).toList());
    }
  }

  private void report() {
    AgentStatus status =
        new AgentStatus(
            instanceId,
            service,
            host,
            4242,
            new AgentStatus.Versions("0.1.0-SNAPSHOT", "1.65.0", "17"),
            Instant.now().minusSeconds(60),
            Instant.now(),
            "etcd",
            applied,
            rejected,
            breakers,
            targets);
    try {
      client
          .getKVClient()
          .put(
              bytes(keys.agent(service, instanceId)),
              bytes(AgentStatusCodec.write(status)),
              PutOption.builder().withLeaseId(lease).build())
          .get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("could not report the agent status", e);
    }
  }

  @Override
  public void close() {
    if (watcher != null) {
      watcher.close();
    }
    if (keepAlive != null) {
      keepAlive.close();
    }
    try {
      client.getLeaseClient().revoke(lease).get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      // the lease runs out on its own
    }
    client.close();
  }

  private static ByteSequence bytes(String text) {
    return ByteSequence.from(text, StandardCharsets.UTF_8);
  }

  private static final class IgnoringObserver implements StreamObserver<LeaseKeepAliveResponse> {
    @Override
    public void onNext(LeaseKeepAliveResponse value) {}

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {}
  }
}
