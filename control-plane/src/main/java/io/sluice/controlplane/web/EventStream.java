package io.sluice.controlplane.web;

import io.sluice.controlplane.EventSettings;
import io.sluice.controlplane.agents.AgentChanged;
import io.sluice.controlplane.rules.RulesChanged;
import io.sluice.controlplane.security.Caller;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * Fans rule and agent changes out to every connected {@code GET /api/v1/events} client as
 * server-sent events. Each client has its own bounded queue and is written to by a task of its own
 * ({@link EventClient}): the etcd watch only queues, and a browser whose connection stalls delays
 * nobody else; one that falls {@link #MAX_PENDING} events behind is dropped (it reconnects). A
 * comment line every {@code keep-alive} keeps proxies from closing idle streams.
 *
 * <h2>Bounds</h2>
 *
 * <ul>
 *   <li><b>Clients.</b> At most {@code sluice.events.max-clients} streams are open at once, and at
 *       most {@code sluice.events.max-clients-per-caller} of one caller (a token; every caller
 *       without one counts as one caller, {@link Caller#ANONYMOUS}); one more is {@link Refused}. A
 *       stream counts until its last task is done, so a dropped client whose write is still stalled
 *       keeps its slot.
 *   <li><b>Age.</b> A stream ends normally after about {@code max-age} (up to a tenth less, so
 *       clients that connected together do not all reconnect together).
 *   <li><b>Threads.</b> Writes run on {@link #BASE_SENDERS} threads, plus one for every write that
 *       has been blocked for {@link #STALL_MILLIS} ms: a watch every {@link #WATCH_MILLIS} ms sets
 *       the pool's size to that. Healthy writes take microseconds, so the base threads serve every
 *       client; a client whose writes block (a peer that stopped reading) holds one thread until
 *       the container's write timeout fails the write, and the others get a new one meanwhile. As a
 *       client has at most one task, the pool never exceeds {@code BASE_SENDERS + max-clients}.
 * </ul>
 *
 * <p>Events: {@code ready} (once, on connect), {@code rules} ({@link RulesChanged}), {@code agent}
 * ({@link AgentChanged}; without its status, {@link AgentChangedWithoutStatus}, for a client that
 * asked so).
 */
@Component
final class EventStream implements SmartLifecycle {

  /**
   * Events a client may have waiting before it is dropped: room for a burst (every agent of a large
   * service restarting at once) yet a bound on what a stalled client holds.
   */
  static final int MAX_PENDING = 1024;

  /** Threads that write to clients while no write is stalled. */
  static final int BASE_SENDERS = Math.max(2, Runtime.getRuntime().availableProcessors());

  /** A write blocked this long counts as stalled: its thread is replaced. */
  static final long STALL_MILLIS = 200;

  /** How often stalled writes and old streams are looked for. */
  static final long WATCH_MILLIS = 100;

  private final EventSettings settings;

  /** Clients that receive events. */
  private final List<EventClient> clients = new CopyOnWriteArrayList<>();

  /**
   * Streams not over yet (including dropped clients whose last task still runs), each with its
   * caller: the caps count these.
   */
  private final Map<EventClient, Caller> open = new ConcurrentHashMap<>();

  /** How many of {@link #open} each caller has; a caller without any has no entry. */
  private final Map<Caller, Integer> openByCaller = new ConcurrentHashMap<>();

  private final Map<EventClient, Long> deadlines = new ConcurrentHashMap<>();
  private ScheduledExecutorService ticker;
  private volatile ThreadPoolExecutor senders;

  EventStream(EventSettings settings) {
    this.settings = settings;
  }

  /**
   * A stream for one client of {@code caller}, whose {@code agent} events carry the agent's status
   * when {@code agentStatus}; outside the stream's lifecycle (the web server starts before it and
   * stops after it) an empty stream, which the browser's EventSource reconnects later.
   *
   * @throws Refused when {@code max-clients} streams are open already, or {@code
   *     max-clients-per-caller} of the caller's
   */
  SseEmitter connect(Caller caller, boolean agentStatus) {
    SseEmitter emitter = new SseEmitter(0L);
    if (register(emitter, caller, agentStatus) == null) {
      emitter.complete();
    }
    return emitter;
  }

  /**
   * Starts sending events to {@code emitter}, a stream of {@code caller}, beginning with {@code
   * ready}; its {@code agent} events carry the agent's status only when {@code agentStatus}. Null
   * when the stream is not running.
   *
   * @throws Refused when {@code max-clients} streams are open already, or {@code
   *     max-clients-per-caller} of the caller's
   */
  EventClient register(SseEmitter emitter, Caller caller, boolean agentStatus) {
    ThreadPoolExecutor executor = senders;
    if (executor == null) {
      return null;
    }
    EventClient client =
        new EventClient(emitter, agentStatus, MAX_PENDING, executor, clients::remove, this::ended);
    synchronized (open) {
      // removals need no lock: a count read too early only errs on the side of refusing
      if (open.size() >= settings.maxClients()) {
        throw new Refused(false);
      }
      if (openByCaller.getOrDefault(caller, 0) >= settings.maxClientsPerCaller()) {
        throw new Refused(true);
      }
      open.put(client, caller);
      openByCaller.merge(caller, 1, Integer::sum);
    }
    long maxAge = settings.maxAge().toNanos();
    deadlines.put(
        client, System.nanoTime() + maxAge - ThreadLocalRandom.current().nextLong(maxAge / 10 + 1));
    emitter.onCompletion(() -> client.close(EventClient.STOPPED));
    emitter.onTimeout(() -> client.close(new IOException("the event stream timed out")));
    emitter.onError(client::close);
    clients.add(client);
    client.offer(new EventClient.Pending("ready", Map.of("connected", true)));
    return client;
  }

  private void ended(EventClient client) {
    deadlines.remove(client);
    Caller caller = open.remove(client);
    if (caller != null) {
      openByCaller.computeIfPresent(caller, (c, n) -> n == 1 ? null : n - 1);
    }
  }

  /** Streams of {@code caller} not over yet, the ones its cap counts; for tests. */
  int openCount(Caller caller) {
    return openByCaller.getOrDefault(caller, 0);
  }

  /** Clients connected now; for tests. */
  int clientCount() {
    return clients.size();
  }

  /** Streams not over yet, the ones the cap counts; for tests. */
  int openCount() {
    return open.size();
  }

  /** Threads the sender pool may run now: the base plus one per stalled write; for tests. */
  int sendersAllowed() {
    ThreadPoolExecutor executor = senders;
    return executor == null ? 0 : executor.getCorePoolSize();
  }

  @EventListener
  void on(RulesChanged event) {
    broadcast("rules", event);
  }

  @EventListener
  void on(AgentChanged event) {
    EventClient.Pending full = new EventClient.Pending("agent", event);
    EventClient.Pending lean =
        new EventClient.Pending(
            "agent",
            new AgentChangedWithoutStatus(event.action(), event.service(), event.instanceId()));
    for (EventClient client : clients) {
      client.offer(client.agentStatus ? full : lean);
    }
  }

  /**
   * An {@code agent} event for a client that asked for none of the status ({@code
   * ?agentStatus=false}): which agent changed, for a page that re-reads what it shows. An agent's
   * status can weigh tens of kilobytes, and a large fleet reports several times a second.
   */
  record AgentChangedWithoutStatus(String action, String service, String instanceId) {}

  private void broadcast(String name, Object payload) {
    EventClient.Pending event = new EventClient.Pending(name, payload);
    for (EventClient client : clients) {
      client.offer(event);
    }
  }

  /** Gives stalled writes threads of their own and ends streams that reached their age. */
  private void watch() {
    ThreadPoolExecutor executor = senders;
    if (executor == null) {
      return;
    }
    long now = System.nanoTime();
    long stallNanos = TimeUnit.MILLISECONDS.toNanos(STALL_MILLIS);
    int stalled = 0;
    for (EventClient client : open.keySet()) {
      if (client.stalled(now, stallNanos)) {
        stalled++;
      }
      Long deadline = deadlines.get(client);
      if (deadline != null && now - deadline >= 0) {
        client.close(EventClient.EXPIRED);
      }
    }
    int size = Math.min(BASE_SENDERS + stalled, executor.getMaximumPoolSize());
    if (executor.getCorePoolSize() != size) {
      // a larger size starts threads for queued tasks at once; a smaller one lets idle ones go
      executor.setCorePoolSize(size);
    }
  }

  @Override
  public synchronized void start() {
    AtomicInteger threads = new AtomicInteger();
    ThreadPoolExecutor executor =
        new ThreadPoolExecutor(
            BASE_SENDERS,
            BASE_SENDERS + settings.maxClients(),
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            r -> daemon(r, "sluice-events-" + threads.incrementAndGet()));
    executor.allowCoreThreadTimeOut(true);
    senders = executor;
    ticker = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "sluice-events-ticker"));
    long keepAlive = settings.keepAlive().toMillis();
    ticker.scheduleAtFixedRate(
        () -> clients.forEach(EventClient::keepAlive), keepAlive, keepAlive, TimeUnit.MILLISECONDS);
    ticker.scheduleWithFixedDelay(this::watch, WATCH_MILLIS, WATCH_MILLIS, TimeUnit.MILLISECONDS);
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  @Override
  public synchronized void stop() {
    for (EventClient client : clients) {
      client.close(EventClient.STOPPED);
    }
    clients.clear();
    if (ticker != null) {
      ticker.shutdownNow();
      ticker = null;
    }
    if (senders != null) {
      senders.shutdown();
      senders = null;
    }
  }

  @Override
  public synchronized boolean isRunning() {
    return senders != null;
  }

  /**
   * A stream refused because a cap is reached: all of {@code max-clients}, or the caller's {@code
   * max-clients-per-caller}. Carries no stack trace: it is an answer, not a failure.
   */
  static final class Refused extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Whether the caller's own cap refused it (else the cap on all streams). */
    final boolean callersCap;

    Refused(boolean callersCap) {
      super(
          callersCap ? "the caller's event streams are at their cap" : "event streams at cap",
          null,
          false,
          false);
      this.callersCap = callersCap;
    }
  }
}
