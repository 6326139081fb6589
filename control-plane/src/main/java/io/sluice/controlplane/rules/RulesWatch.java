package io.sluice.controlplane.rules;

import io.etcd.jetcd.KeyValue;
import io.sluice.controlplane.etcd.EtcdGateway;
import io.sluice.controlplane.etcd.PrefixWatch;
import io.sluice.controlplane.etcd.PrefixWatches;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Watches {@code {ns}/v1/rules/} and publishes a {@link RulesChanged} for every change, whoever
 * made it, so the web UI sees edits from other control planes and from {@code etcdctl} too.
 */
@Component
final class RulesWatch implements SmartLifecycle, PrefixWatch.Listener {

  private final EtcdGateway etcd;
  private final Consumer<Object> publisher;
  private final PrefixWatches watches;
  private final Map<String, Long> revisions = new HashMap<>();
  private PrefixWatch watch;

  RulesWatch(EtcdGateway etcd, ApplicationEventPublisher publisher, PrefixWatches watches) {
    this.etcd = etcd;
    this.publisher = publisher::publishEvent;
    this.watches = watches;
  }

  @Override
  public void reset(Map<String, KeyValue> snapshot, long revision) {
    Map<String, Long> fresh = new HashMap<>();
    snapshot.forEach(
        (key, kv) -> {
          String service = etcd.keys().serviceOfRules(key);
          if (service != null) {
            fresh.put(service, kv.getModRevision());
          }
        });
    for (Map.Entry<String, Long> known : revisions.entrySet()) {
      if (!fresh.containsKey(known.getKey())) {
        publisher.accept(new RulesChanged(known.getKey(), revision, "delete"));
      }
    }
    fresh.forEach(
        (service, rev) -> {
          if (!rev.equals(revisions.get(service))) {
            publisher.accept(new RulesChanged(service, rev, "put"));
          }
        });
    revisions.clear();
    revisions.putAll(fresh);
  }

  @Override
  public void put(KeyValue kv) {
    String service = etcd.keys().serviceOfRules(EtcdGateway.text(kv.getKey()));
    if (service != null) {
      revisions.put(service, kv.getModRevision());
      publisher.accept(new RulesChanged(service, kv.getModRevision(), "put"));
    }
  }

  @Override
  public void delete(String key, long revision) {
    String service = etcd.keys().serviceOfRules(key);
    if (service != null) {
      revisions.remove(service);
      publisher.accept(new RulesChanged(service, revision, "delete"));
    }
  }

  @Override
  public synchronized void start() {
    watch = watches.start("rules", etcd.keys().rulesPrefix(), this);
  }

  @Override
  public synchronized void stop() {
    if (watch != null) {
      watch.close();
      watch = null;
    }
  }

  @Override
  public synchronized boolean isRunning() {
    return watch != null;
  }
}
