package io.sluice.controlplane.web;

import io.sluice.controlplane.agents.AgentChanged;
import io.sluice.controlplane.rules.RulesChanged;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
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
 * comment line every 15 s keeps proxies from closing idle streams.
 *
 * <p>Events: {@code ready} (once, on connect), {@code rules} ({@link RulesChanged}), {@code agent}
 * ({@link AgentChanged}).
 */
@Component
final class EventStream implements SmartLifecycle {

  /**
   * Events a client may have waiting before it is dropped: room for a burst (every agent of a large
   * service restarting at once) yet a bound on what a stalled client holds.
   */
  static final int MAX_PENDING = 1024;

  private final List<EventClient> clients = new CopyOnWriteArrayList<>();
  private ScheduledExecutorService keepAlive;
  private volatile ExecutorService senders;

  /**
   * A stream for one client; outside the stream's lifecycle (the web server starts before it and
   * stops after it) an empty stream, which the browser's EventSource reconnects later.
   */
  SseEmitter connect() {
    SseEmitter emitter = new SseEmitter(0L);
    if (register(emitter) == null) {
      emitter.complete();
    }
    return emitter;
  }

  /**
   * Starts sending events to {@code emitter}, beginning with {@code ready}; null when the stream is
   * not running.
   */
  EventClient register(SseEmitter emitter) {
    ExecutorService executor = senders;
    if (executor == null) {
      return null;
    }
    EventClient client = new EventClient(emitter, MAX_PENDING, executor, clients::remove);
    emitter.onCompletion(() -> client.close(EventClient.STOPPED));
    emitter.onTimeout(() -> client.close(new IOException("the event stream timed out")));
    emitter.onError(client::close);
    clients.add(client);
    client.offer(new EventClient.Pending("ready", Map.of("connected", true)));
    return client;
  }

  /** Clients connected now; for tests. */
  int clientCount() {
    return clients.size();
  }

  @EventListener
  void on(RulesChanged event) {
    broadcast("rules", event);
  }

  @EventListener
  void on(AgentChanged event) {
    broadcast("agent", event);
  }

  private void broadcast(String name, Object payload) {
    EventClient.Pending event = new EventClient.Pending(name, payload);
    for (EventClient client : clients) {
      client.offer(event);
    }
  }

  @Override
  public synchronized void start() {
    AtomicInteger threads = new AtomicInteger();
    senders =
        Executors.newCachedThreadPool(r -> daemon(r, "sluice-events-" + threads.incrementAndGet()));
    keepAlive =
        Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "sluice-events-keep-alive"));
    keepAlive.scheduleAtFixedRate(
        () -> clients.forEach(EventClient::keepAlive), 15, 15, TimeUnit.SECONDS);
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
    if (keepAlive != null) {
      keepAlive.shutdownNow();
      keepAlive = null;
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
}
