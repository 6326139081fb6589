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
import org.springframework.context.SmartLifecycle;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * Fans rule and agent changes out to every connected {@code GET /api/v1/events} client as
 * server-sent events. Sending happens on one thread of its own, so a slow browser never holds up
 * the etcd watch; a client whose connection fails is dropped without disturbing the others. A
 * comment line every 15 s keeps proxies from closing idle streams.
 *
 * <p>Events: {@code ready} (once, on connect), {@code rules} ({@link RulesChanged}), {@code agent}
 * ({@link AgentChanged}).
 */
@Component
final class EventStream implements SmartLifecycle {

  private final List<SseEmitter> clients = new CopyOnWriteArrayList<>();
  private ScheduledExecutorService sender;

  SseEmitter connect() {
    SseEmitter emitter = new SseEmitter(0L);
    emitter.onCompletion(() -> clients.remove(emitter));
    emitter.onTimeout(() -> clients.remove(emitter));
    emitter.onError(e -> clients.remove(emitter));
    clients.add(emitter);
    send(emitter, SseEmitter.event().name("ready").data(Map.of("connected", true)));
    return emitter;
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
    ExecutorService executor = sender;
    if (executor == null || clients.isEmpty()) {
      return;
    }
    executor.execute(
        () -> {
          for (SseEmitter client : clients) {
            send(client, SseEmitter.event().name(name).data(payload));
          }
        });
  }

  private void send(SseEmitter client, SseEmitter.SseEventBuilder event) {
    try {
      client.send(event);
    } catch (IOException | IllegalStateException e) {
      clients.remove(client);
      client.completeWithError(e);
    }
  }

  @Override
  public synchronized void start() {
    sender =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "sluice-events");
              t.setDaemon(true);
              return t;
            });
    sender.scheduleAtFixedRate(
        () -> clients.forEach(c -> send(c, SseEmitter.event().comment("keep-alive"))),
        15,
        15,
        TimeUnit.SECONDS);
  }

  @Override
  public synchronized void stop() {
    for (SseEmitter client : clients) {
      client.complete();
    }
    clients.clear();
    if (sender != null) {
      sender.shutdownNow();
      sender = null;
    }
  }

  @Override
  public synchronized boolean isRunning() {
    return sender != null;
  }
}
