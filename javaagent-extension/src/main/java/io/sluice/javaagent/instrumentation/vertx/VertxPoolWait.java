package io.sluice.javaagent.instrumentation.vertx;

import io.opentelemetry.instrumentation.api.util.VirtualField;
import io.vertx.core.Completable;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.internal.pool.Lease;
import io.vertx.core.internal.pool.PoolWaiter;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * How long a lease of the app's own Vert.x connection pool waited in the pool's queue, so that a
 * guarded request's call can take that wait out of its duration ({@link #takeFrom}): a burst past
 * the pool's size (five HTTP/1 connections per server by default) made a healthy target's requests
 * wait there, and counted as the target's latency, that wait made them slow calls and opened its
 * breaker under a policy on slow calls.
 *
 * <p>It stands in for the listener and the answer of every {@code acquire} ({@link
 * PoolAcquireInstrumentation}) and passes each call on. The pool tells it when the lease is queued
 * ({@link #onEnqueue}: no connection free, none may be made); the wait ends when the pool makes a
 * connection for it ({@link #onConnect}: the connect is the target's, as for a lease that never
 * waited) or hands it a connection or a failure ({@link #complete}). Vert.x asks its pool on an
 * event loop, after resolving the request's address, not on the thread of the app's {@code request}
 * (as Apache does, see {@code PoolWaits}), so the wait is handed over by the connection: each lease
 * writes its wait (or none) to a field the agent adds to the connection, and the request made on it
 * takes it when Vert.x hands the request over ({@link VertxOutcome}). Only a connection that serves
 * one request at a time ({@code concurrency()} 1: HTTP/1 without pipelining) carries a wait, so the
 * request finds its own lease's: the leases of an HTTP/2 or pipelining connection overlap, and one
 * of them could take another's wait out of its target's real response time. Their waits, and those
 * of a connection whose concurrency cannot be read (Vert.x on the module path, whose internal
 * package is not open), still count as latency.
 *
 * <p>A helper class, injected into the app's class loader next to Vert.x. A field the agent cannot
 * provide (logged once) leaves pool waits counted as latency, as before.
 */
public final class VertxPoolWait<C> implements PoolWaiter.Listener<C>, Completable<Lease<C>> {

  private static final long NOT_QUEUED = Long.MIN_VALUE;

  /** Each connection's last lease's wait in nanoseconds, or null when it did not wait. */
  private static final VirtualField<HttpConnection, Long> WAITS = find();

  /** Each connection class's {@code concurrency()}, if it has one that can be read. */
  private static final ClassValue<Optional<Method>> CONCURRENCY = new ConcurrencyMethod();

  /** {@link #queuedAt} without an object of its own: one of these is made per pool acquire. */
  @SuppressWarnings("rawtypes")
  private static final AtomicLongFieldUpdater<VertxPoolWait> QUEUED_AT =
      AtomicLongFieldUpdater.newUpdater(VertxPoolWait.class, "queuedAt");

  private final PoolWaiter.Listener<C> listener;
  private final Completable<Lease<C>> answer;

  /** When the lease was queued, until its wait ended; else {@link #NOT_QUEUED}. */
  private volatile long queuedAt = NOT_QUEUED;

  private volatile long waited;

  public VertxPoolWait(PoolWaiter.Listener<C> listener, Completable<Lease<C>> answer) {
    this.listener = listener;
    this.answer = answer;
  }

  private static VirtualField<HttpConnection, Long> find() {
    try {
      return VirtualField.find(HttpConnection.class, Long.class);
    } catch (RuntimeException | LinkageError e) {
      Logger.getLogger(VertxPoolWait.class.getName())
          .log(
              Level.WARNING,
              "Sluice: no field for Vert.x pool waits; a request's wait in the app's own"
                  + " connection pool counts as its target's latency",
              e);
      return null;
    }
  }

  /**
   * The wait in the pool's queue of the lease that gave {@code request} its connection, in
   * nanoseconds (0 when it did not wait), taken: a second request on the connection finds none.
   */
  public static long takeFrom(HttpClientRequest request) {
    if (WAITS == null) {
      return 0;
    }
    HttpConnection connection = request.connection();
    Long wait = connection == null ? null : WAITS.get(connection);
    if (wait == null) {
      return 0;
    }
    WAITS.set(connection, null);
    return wait;
  }

  @Override
  public void onEnqueue(PoolWaiter<C> waiter) {
    QUEUED_AT.compareAndSet(this, NOT_QUEUED, System.nanoTime());
    listener.onEnqueue(waiter);
  }

  @Override
  public void onConnect(PoolWaiter<C> waiter) {
    endWait();
    listener.onConnect(waiter);
  }

  @Override
  public void complete(Lease<C> lease, Throwable failure) {
    try {
      endWait();
      if (WAITS != null && lease != null && lease.get() instanceof HttpConnection connection) {
        long wait = waited;
        if (wait > 0 && oneAtATime(connection)) {
          WAITS.set(connection, wait);
        } else if (WAITS.get(connection) != null) {
          WAITS.set(connection, null); // an earlier lease's, whose request never took it
        }
      }
    } catch (RuntimeException | LinkageError e) {
      // the wait is lost, never the lease: the pool's answer below is the app's
    }
    answer.complete(lease, failure);
  }

  /**
   * Whether {@code connection} serves one request at a time: its {@code concurrency()} (of Vert.x's
   * internal {@code HttpClientConnection}, {@code HttpClientConnectionInternal} in 5.0) is 1. False
   * when it cannot be read.
   */
  static boolean oneAtATime(Object connection) {
    Method concurrency = CONCURRENCY.get(connection.getClass()).orElse(null);
    try {
      return concurrency != null && Long.valueOf(1).equals(concurrency.invoke(connection));
    } catch (ReflectiveOperationException | RuntimeException e) {
      return false;
    }
  }

  /**
   * The public interface method {@code long concurrency()} a connection class implements, looked up
   * once per class: the classes themselves are not public.
   */
  static final class ConcurrencyMethod extends ClassValue<Optional<Method>> {
    @Override
    protected Optional<Method> computeValue(Class<?> type) {
      for (Class<?> c = type; c != null; c = c.getSuperclass()) {
        for (Class<?> contract : c.getInterfaces()) {
          try {
            Method method = contract.getMethod("concurrency");
            if (method.getReturnType() == long.class
                && Modifier.isPublic(contract.getModifiers())) {
              return Optional.of(method);
            }
          } catch (ReflectiveOperationException | RuntimeException e) {
            // not this interface
          }
        }
      }
      return Optional.empty();
    }
  }

  /** The wait in the queue, if the lease was queued, ends now; once. */
  private void endWait() {
    long since = QUEUED_AT.getAndSet(this, NOT_QUEUED);
    if (since != NOT_QUEUED) {
      waited = Math.max(1, System.nanoTime() - since);
    }
  }
}
