package io.sluice.controlplane.rules;

import io.etcd.jetcd.KeyValue;
import io.sluice.controlplane.ApiException;
import io.sluice.controlplane.etcd.EtcdGateway;
import io.sluice.controlplane.etcd.EtcdRefusedException;
import io.sluice.controlplane.etcd.EtcdUnavailableException;
import io.sluice.controlplane.etcd.PrefixWatch;
import io.sluice.controlplane.etcd.PrefixWatches;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Watches {@code {ns}/v1/rules/} and publishes a {@link RulesChanged} for every change, whoever
 * made it, so the web UI sees edits from other control planes and from {@code etcdctl} too.
 *
 * <p>It also keeps which services have a document ({@link #servicesWithADocument}), so that telling
 * which agents fall back to {@code _default} needs no etcd read: like the agent inventory it
 * answers from memory, and through an etcd outage from the last complete read kept current by the
 * watch until it broke.
 */
@Component
public final class RulesWatch implements SmartLifecycle, PrefixWatch.Listener {

  private final EtcdGateway etcd;
  private final Consumer<Object> publisher;
  private final PrefixWatches watches;
  private final Map<String, Long> revisions = new HashMap<>();

  /** The keys of {@link #revisions}, replaced whole when they change, for readers off the watch. */
  private volatile Set<String> documented = Set.of();

  private volatile boolean read;

  /** Volatile: read without the lock by requests answered from the mirror. */
  private volatile PrefixWatch watch;

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
    // before the events below, as for a single change
    documented = Set.copyOf(fresh.keySet());
    read = true;
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
      if (revisions.put(service, kv.getModRevision()) == null) {
        documented = Set.copyOf(revisions.keySet());
      }
      publisher.accept(new RulesChanged(service, kv.getModRevision(), "put"));
    }
  }

  @Override
  public void delete(String key, long revision) {
    String service = etcd.keys().serviceOfRules(key);
    if (service != null) {
      if (revisions.remove(service) != null) {
        documented = Set.copyOf(revisions.keySet());
      }
      publisher.accept(new RulesChanged(service, revision, "delete"));
    }
  }

  /**
   * The services that have a document of their own, as the watch last saw them. Updated before the
   * {@link RulesChanged} of the change is published, so a client that reads again on that event
   * sees it. Until the prefix was first read this waits for that read, up to the etcd deadline; the
   * 503 that follows is dated from when the wait began ({@link ApiException#etcdWaitBegan()}).
   *
   * @throws ApiException {@code etcd-unavailable} when the rules have not been read from etcd yet
   * @throws EtcdRefusedException instead, when etcd refused that read for the control plane's
   *     credentials or permissions
   */
  public Set<String> servicesWithADocument() {
    if (!read) {
      // etcd may answer again while this waits: the 503 below tells of the outage before then
      long waitBegan = etcd.nanoTime();
      PrefixWatch started;
      synchronized (this) {
        started = watch;
      }
      if (started != null) {
        started.awaitFirstRead(etcd.timeout());
        if (!read) {
          started.throwIfRefused();
        }
      }
      if (!read) {
        throw ApiException.etcdUnavailableSince(
            "the rules have not been read from etcd yet (/actuator/health shows which part is"
                + " behind, the log says why). Try again shortly."
                + EtcdUnavailableException.neverAnswered(started == null ? null : started.hint()),
            waitBegan);
      }
    }
    PrefixWatch mirror = watch;
    if (mirror != null) {
      // a refused re-read: try again now, the operator may have fixed it
      mirror.readSoonIfRefused();
    }
    return documented;
  }

  /**
   * With the agent inventory, before the first-read gate and the web server: its first requests
   * find the rules read, as they find the agents.
   */
  @Override
  public int getPhase() {
    return Integer.MIN_VALUE + 2000;
  }

  /**
   * Starts mirroring the rules, before the web server: {@code FirstReadGate} then holds the start
   * until they are read (with the agents, up to the etcd deadline in all). Without that wait the
   * port opened while the first read could still be under way, so a probe or a client right after
   * the start met {@code /actuator/health} DOWN ({@code watches}: rules not read yet), or waited
   * for the read, for no fault of etcd's.
   */
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
