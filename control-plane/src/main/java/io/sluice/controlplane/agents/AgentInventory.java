package io.sluice.controlplane.agents;

import io.etcd.jetcd.KeyValue;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.sluice.controlplane.ApiException;
import io.sluice.controlplane.ProblemType;
import io.sluice.controlplane.etcd.EtcdGateway;
import io.sluice.controlplane.etcd.EtcdRefusedException;
import io.sluice.controlplane.etcd.EtcdUnavailableException;
import io.sluice.controlplane.etcd.PrefixWatch;
import io.sluice.controlplane.etcd.PrefixWatches;
import io.sluice.rules.OneLineText;
import io.sluice.rules.wire.AgentStatus;
import io.sluice.rules.wire.AgentStatusCodec;
import io.sluice.rules.wire.EtcdKeys;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * The live agents, mirrored in memory from {@code {ns}/v1/agents/} (each key bound to its agent's
 * lease, so a dead agent disappears when its lease expires). Publishes an {@link AgentChanged} per
 * change and keeps the gauge {@code sluice.agents{service, revision}} current: each change moves
 * one agent's count (a recount of every agent per event fell behind a watch busy with thousands of
 * agents), and once a minute series at 0 long enough are removed, also when no agent is left to
 * cause an event.
 *
 * <p>Until the first read of the prefix has arrived, the inventory does not know the agents: it
 * answers 503 ({@code etcd-unavailable}) rather than an empty list. It starts before the web
 * server, which waits for that read up to the etcd deadline ({@code FirstReadGate}), so normally no
 * request ever sees that. A later read that fails keeps the last complete inventory (kept current
 * by the watch until it broke) and shows in {@code /actuator/health} ({@code watches.agents}).
 */
@Component
public final class AgentInventory implements SmartLifecycle, PrefixWatch.Listener {

  private static final Logger LOG = Logger.getLogger(AgentInventory.class.getName());

  /** How often series of the gauge that have been 0 long enough are removed. */
  static final long GAUGE_REFRESH_MILLIS = 60_000L;

  /**
   * How many unreadable keys are remembered to be warned about once: any agent's credentials may
   * write keys under its service's prefix, as many as it likes, and each would otherwise be kept
   * here for as long as it lives. Past this many, further ones are logged at FINE only.
   */
  static final int MAX_UNREADABLE_KEPT = 1_000;

  /**
   * Keys whose value was unreadable when last seen: warned about once until they change. At most
   * {@link #MAX_UNREADABLE_KEPT}; the bound is approximate under concurrent updates.
   */
  private final Set<String> unreadable = ConcurrentHashMap.newKeySet();

  private final EtcdGateway etcd;
  private final ApplicationEventPublisher publisher;
  private final PrefixWatches watches;
  private final ScheduledExecutorService scheduler;
  private final AgentGauges gauges;
  private final Map<String, AgentStatus> agents = new ConcurrentHashMap<>();
  private volatile boolean read;

  /** Volatile: read without the lock by requests answered from the mirror. */
  private volatile PrefixWatch watch;

  /** Guarded by this. */
  private ScheduledFuture<?> gaugeRefresh;

  AgentInventory(
      EtcdGateway etcd,
      ApplicationEventPublisher publisher,
      PrefixWatches watches,
      ScheduledExecutorService etcdScheduler,
      MeterRegistry meters,
      Clock clock) {
    this.etcd = etcd;
    this.publisher = publisher;
    this.watches = watches;
    this.scheduler = etcdScheduler;
    this.gauges = new AgentGauges(meters, clock::millis);
  }

  /**
   * Every live agent, by service then instance id.
   *
   * @throws ApiException {@code etcd-unavailable} before the agents were first read from etcd
   * @throws EtcdRefusedException instead, when etcd refused that read for the control plane's
   *     credentials or permissions
   */
  public List<AgentStatus> all() {
    if (!read) {
      PrefixWatch started;
      synchronized (this) {
        started = watch;
      }
      if (started != null) {
        started.throwIfRefused();
      }
      // waits for nothing (unlike the rules' mirror), so it is dated when answered: etcd answering
      // again before then ends the outage it tells of too
      throw new ApiException(
          ProblemType.ETCD_UNAVAILABLE,
          "the live agents have not been read from etcd yet (/actuator/health shows which part is"
              + " behind, the log says why). Try again shortly."
              + EtcdUnavailableException.neverAnswered(started == null ? null : started.hint()));
    }
    PrefixWatch mirror = watch;
    if (mirror != null) {
      // a refused re-read: try again now, the operator may have fixed it
      mirror.readSoonIfRefused();
    }
    List<AgentStatus> all = new ArrayList<>(agents.values());
    all.sort(Comparator.comparing(AgentStatus::service).thenComparing(AgentStatus::instanceId));
    return all;
  }

  /**
   * How many agent status keys of each service hold a status that cannot be read: those agents are
   * left out of {@link #all()}, and this is how a list of agents says it is short of them. The
   * service is the one the key names ({@code {ns}/v1/agents/{service}/{instanceId}}); a key not of
   * that form names none and is not counted. At most {@link #MAX_UNREADABLE_KEPT} keys in all are
   * counted (the rest are only logged at FINE). Fails like {@link #all()}.
   */
  public Map<String, Integer> unreadableByService() {
    all();
    Map<String, Integer> counts = new HashMap<>();
    for (String key : unreadable) {
      String service = serviceOfKey(etcd.keys(), key);
      if (service != null) {
        counts.merge(service, 1, Integer::sum);
      }
    }
    return counts;
  }

  /**
   * The {@code {service}} of {@code {ns}/v1/agents/{service}/{instanceId}}, or {@code null} for a
   * key not under {@code keys}' {@link EtcdKeys#agentsPrefix() agents prefix} or not of that form.
   * Read after the exact prefix the watch was started on, not after the first {@code /v1/agents/}
   * in the key: a namespace may itself hold that text.
   */
  static String serviceOfKey(EtcdKeys keys, String key) {
    String prefix = keys.agentsPrefix();
    if (!key.startsWith(prefix)) {
      return null;
    }
    int start = prefix.length();
    int end = key.indexOf('/', start);
    return end <= start || end == key.length() - 1 ? null : key.substring(start, end);
  }

  /** The live agents of one service; fails like {@link #all()}. */
  public List<AgentStatus> of(String service) {
    return all().stream().filter(a -> a.service().equals(service)).toList();
  }

  @Override
  public void reset(Map<String, KeyValue> snapshot, long revision) {
    unreadable.retainAll(snapshot.keySet());
    Map<String, AgentStatus> fresh = new HashMap<>();
    snapshot.forEach(
        (key, kv) -> {
          AgentStatus status = parse(key, kv);
          if (status != null) {
            fresh.put(key, status);
          }
        });
    for (String key : List.copyOf(agents.keySet())) {
      if (!fresh.containsKey(key)) {
        AgentStatus gone = agents.remove(key);
        publisher.publishEvent(new AgentChanged("delete", gone.service(), gone.instanceId(), null));
      }
    }
    fresh.forEach(
        (key, status) -> {
          if (!status.equals(agents.put(key, status))) {
            publisher.publishEvent(
                new AgentChanged("put", status.service(), status.instanceId(), status));
          }
        });
    recount();
    read = true;
  }

  @Override
  public void put(KeyValue kv) {
    String key = EtcdGateway.text(kv.getKey());
    AgentStatus status = parse(key, kv);
    if (status == null) {
      // the key no longer holds the status it held: left out, as a fresh read leaves it out,
      // rather than its last readable status shown as live for as long as the key lives
      remove(key);
      return;
    }
    counted(agents.put(key, status), status);
    publisher.publishEvent(new AgentChanged("put", status.service(), status.instanceId(), status));
  }

  @Override
  public void delete(String key, long revision) {
    unreadable.remove(key);
    remove(key);
  }

  /** Forgets the agent under {@code key}, if there is one, and says it went. */
  private void remove(String key) {
    AgentStatus gone = agents.remove(key);
    if (gone != null) {
      counted(gone, null);
      publisher.publishEvent(new AgentChanged("delete", gone.service(), gone.instanceId(), null));
    }
  }

  /**
   * The status under {@code key}, or null when it is unreadable: then left out of the inventory,
   * with a WARNING the first time the key holds an unreadable value (an agent missing from the UI
   * must be explained somewhere), at FINE while it stays so.
   */
  private AgentStatus parse(String key, KeyValue kv) {
    byte[] bytes = kv.getValue().getBytes();
    AgentStatus status = AgentStatusCodec.parse(bytes).orElse(null);
    String notItsKey = status == null ? null : notItsKey(key, status);
    if (status != null && notItsKey == null) {
      unreadable.remove(key);
      return status;
    }
    boolean first = unreadable.size() < MAX_UNREADABLE_KEPT && unreadable.add(key);
    if (first || LOG.isLoggable(Level.FINE)) {
      // the key and the parser's reason are an agent's writing: escaped, so a line feed in them
      // cannot forge a log line of its own
      LOG.log(
          first ? Level.WARNING : Level.FINE,
          "ignoring the agent status at "
              + OneLineText.escape(key)
              + ": "
              + OneLineText.escape(
                  notItsKey != null
                      ? notItsKey
                      : String.valueOf(AgentStatusCodec.whyUnreadable(bytes)))
              + (first ? " (logged again once the key held a readable status)" : ""));
    }
    return null;
  }

  /**
   * Why the status under {@code key} is not that key's, or null when it is. The key is what etcd
   * lets an agent's credentials write (a per-service grant on {@code {ns}/v1/agents/{service}/});
   * the service and instance id in its JSON are the agent's say. A status naming others was listed
   * as theirs: one service's credentials could report agents of another, twice over when that
   * instance reported too. Such a status is left out, as an unreadable one is, and counted under
   * the service its key names.
   */
  private String notItsKey(String key, AgentStatus status) {
    String expected = etcd.keys().agent(status.service(), status.instanceId());
    if (key.equals(expected)) {
      return null;
    }
    return "it names service '"
        + status.service()
        + "' and instance '"
        + status.instanceId()
        + "', whose key is "
        + expected;
  }

  /** Sets {@code sluice.agents{service, revision}} from every agent (see {@link AgentGauges}). */
  private synchronized void recount() {
    Map<Tags, Integer> counts = new HashMap<>();
    for (AgentStatus status : agents.values()) {
      counts.merge(series(status), 1, Integer::sum);
    }
    gauges.set(counts);
  }

  /**
   * Moves one agent's count in {@code sluice.agents} from its old status' series to its new one.
   */
  private synchronized void counted(AgentStatus old, AgentStatus now) {
    gauges.move(old == null ? null : series(old), now == null ? null : series(now));
  }

  private static Tags series(AgentStatus status) {
    return Tags.of(
        "service", status.service(), "revision", Long.toString(status.appliedRevision()));
  }

  /**
   * The periodic sweep of series long at 0: a failure is logged, and the next minute tries again.
   */
  private synchronized void refreshGauge() {
    try {
      gauges.sweep();
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "could not update the gauge sluice.agents", e);
    }
  }

  /**
   * Starts mirroring the agents, before the web server: {@code FirstReadGate} then holds the start
   * until they are read (with the rules, up to the etcd deadline in all).
   */
  @Override
  public synchronized void start() {
    watch = watches.start("agents", etcd.keys().agentsPrefix(), this);
    gaugeRefresh =
        scheduler.scheduleWithFixedDelay(
            this::refreshGauge, GAUGE_REFRESH_MILLIS, GAUGE_REFRESH_MILLIS, TimeUnit.MILLISECONDS);
  }

  /** After the etcd warm-up, before the first-read gate and the web server. */
  @Override
  public int getPhase() {
    return Integer.MIN_VALUE + 2000;
  }

  @Override
  public void stop() {
    PrefixWatch stopping;
    synchronized (this) {
      stopping = watch;
      watch = null;
      if (gaugeRefresh != null) {
        gaugeRefresh.cancel(false);
        gaugeRefresh = null;
      }
    }
    // not holding the lock: a watch delivering events holds its own and waits for ours (gauge)
    if (stopping != null) {
      stopping.close();
    }
  }

  @Override
  public synchronized boolean isRunning() {
    return watch != null;
  }
}
