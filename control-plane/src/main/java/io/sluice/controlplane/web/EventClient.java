package io.sluice.controlplane.web;

import java.io.IOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.logging.Logger;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * One connected {@code GET /api/v1/events} client: its own bounded queue of pending events, drained
 * by at most one task at a time, a turn of a few events at a time ({@link #TURN_EVENTS}) so clients
 * with backlogs take turns on the senders' threads, and so a browser whose connection stalls (a
 * dead peer without a reset blocks writes until the container's write timeout) holds up only
 * itself. A client that falls {@link #capacity} events behind is dropped: the browser reconnects
 * and reloads, which beats being fed stale events.
 *
 * <p>Only the draining task touches the emitter (a stalled write holds the emitter's lock, so
 * completing it from another thread would stall that thread too). It says when a write has been
 * going on for a while ({@link #stalled}), so the stream can give the other clients a thread in its
 * place, and when the stream is over ({@code onFinished}, once, after the emitter completed or when
 * no task can complete it), which frees the client's slot.
 */
final class EventClient {

  /** An event to send; a null {@code name} is a keep-alive comment. */
  record Pending(String name, Object data) {
    static final Pending KEEP_ALIVE = new Pending(null, null);

    SseEmitter.SseEventBuilder toEvent() {
      return name == null
          ? SseEmitter.event().comment("keep-alive")
          : SseEmitter.event().name(name).data(data);
    }
  }

  /**
   * A reason for {@link #close} after which the stream ends normally (the client reconnects), not
   * with an error: Spring dispatches an error to the error handling, which logs a SEVERE "answering
   * 500" with a stack trace and tries to write a problem document into the stream. Any other reason
   * is a failed write: the client went away.
   */
  static class NormalEnd extends IOException {
    NormalEnd(String message) {
      super(message);
    }
  }

  /** The reason {@link #close} is given when the server stops. */
  static final Throwable STOPPED = new NormalEnd("the control plane is stopping");

  /** The reason {@link #close} is given when the stream reached its age. */
  static final Throwable EXPIRED = new NormalEnd("the event stream reached its maximum age");

  /**
   * The reason {@link #close} is given when the client fell {@link #capacity} events behind (a
   * reader slower than the changes): it reconnects and reads anew, which beats stale events.
   */
  static final class FellBehind extends NormalEnd {
    FellBehind(int capacity) {
      super("the client fell " + capacity + " events behind");
    }
  }

  private static final Logger LOG = Logger.getLogger(EventClient.class.getName());

  private static final long NOT_SENDING = Long.MIN_VALUE;

  /**
   * The most events one task sends before it gives its thread to the next client's task (going to
   * the back of the senders' queue): a client that reads slowly, each write a little under {@code
   * EventStream.STALL_MILLIS} so never counted as stalled, would otherwise hold a thread for as
   * long as it has a backlog, and on a 2-core host two such clients left every other client without
   * events until they were dropped.
   */
  static final int TURN_EVENTS = 16;

  /** The most time one task sends for before it gives its thread to the next (see TURN_EVENTS). */
  static final long TURN_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  final SseEmitter emitter;

  /** Whether its {@code agent} events carry the agent's status ({@code ?agentStatus=}). */
  final boolean agentStatus;

  private final BlockingQueue<Pending> queue;
  private final int capacity;
  private final Executor executor;
  private final Consumer<EventClient> onClosed;
  private final Consumer<EventClient> onFinished;
  private final AtomicBoolean draining = new AtomicBoolean();
  private final AtomicBoolean finished = new AtomicBoolean();
  private volatile Throwable closeReason;
  private volatile long sendStarted = NOT_SENDING;

  /**
   * @param agentStatus whether its {@code agent} events carry the agent's status
   * @param onClosed called when the client stops receiving events (possibly more than once)
   * @param onFinished called once when the stream is over: no task runs for it any more
   */
  EventClient(
      SseEmitter emitter,
      boolean agentStatus,
      int capacity,
      Executor executor,
      Consumer<EventClient> onClosed,
      Consumer<EventClient> onFinished) {
    this.emitter = emitter;
    this.agentStatus = agentStatus;
    this.capacity = capacity;
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.executor = executor;
    this.onClosed = onClosed;
    this.onFinished = onFinished;
  }

  /** Queues an event without blocking; drops the client when it is too far behind. */
  void offer(Pending event) {
    if (closeReason != null) {
      return;
    }
    if (!queue.offer(event)) {
      close(new FellBehind(capacity));
      return;
    }
    scheduleDrain();
  }

  /** Queues a keep-alive comment unless events are already waiting (they keep the stream busy). */
  void keepAlive() {
    if (queue.isEmpty()) {
      offer(Pending.KEEP_ALIVE);
    }
  }

  /** Whether a write to this client has been going on for {@code nanos} or more at {@code now}. */
  boolean stalled(long now, long nanos) {
    long started = sendStarted;
    return started != NOT_SENDING && now - started >= nanos;
  }

  /** Stops sending; the draining task (or this call, when none runs) completes the emitter. */
  void close(Throwable reason) {
    if (closeReason != null) {
      return;
    }
    closeReason = reason;
    if (reason instanceof FellBehind) {
      LOG.info(
          "ending an event stream: "
              + reason.getMessage()
              + " (it read more slowly than changes came); it reconnects and reads anew");
    }
    onClosed.accept(this);
    scheduleDrain();
  }

  private void scheduleDrain() {
    if (!draining.compareAndSet(false, true)) {
      return;
    }
    try {
      executor.execute(this::drain);
    } catch (RejectedExecutionException e) {
      draining.set(false);
      stopSending(e);
      // the stream has stopped: no task will complete this client, so this call does (no task
      // holds the emitter: the flag was just taken), or its response stays open and holds up the
      // server's graceful shutdown
      complete(closeReason);
      finish();
    }
  }

  private void drain() {
    long turnStarted = System.nanoTime();
    int sent = 0;
    while (true) {
      try {
        Pending next;
        while (closeReason == null && (next = queue.poll()) != null) {
          sendStarted = System.nanoTime();
          emitter.send(next.toEvent());
          sendStarted = NOT_SENDING;
          if ((++sent >= TURN_EVENTS || System.nanoTime() - turnStarted >= TURN_NANOS)
              && !queue.isEmpty()
              && closeReason == null
              && nextTurnQueued()) {
            return; // draining stays set: the queued task goes on from here
          }
        }
      } catch (IOException | RuntimeException e) {
        sendStarted = NOT_SENDING;
        stopSending(e);
      }
      if (closeReason != null) {
        queue.clear();
        complete(closeReason);
        // draining stays set: no task ever runs for this client again
        finish();
        return;
      }
      draining.set(false);
      // an event queued, or a close, after the last check but before the flag was cleared found
      // the flag set and left the work to this task
      if ((queue.isEmpty() && closeReason == null) || !draining.compareAndSet(false, true)) {
        return;
      }
    }
  }

  /**
   * Queues this client's next turn behind the other clients' tasks; false, with the client closed,
   * when the stream has stopped (the calling task then completes it).
   */
  private boolean nextTurnQueued() {
    try {
      executor.execute(this::drain);
      return true;
    } catch (RejectedExecutionException e) {
      stopSending(e);
      return false;
    }
  }

  /** Stops sending for {@code reason}, unless a reason was given before (which stays). */
  private void stopSending(Throwable reason) {
    closeReason = closeReason != null ? closeReason : reason;
    onClosed.accept(this);
  }

  private void finish() {
    if (finished.compareAndSet(false, true)) {
      onFinished.accept(this);
    }
  }

  private void complete(Throwable reason) {
    try {
      if (reason instanceof NormalEnd) {
        emitter.complete();
      } else {
        emitter.completeWithError(reason);
      }
    } catch (RuntimeException ignored) {
      // already completed by the container (the browser went away)
    }
  }
}
