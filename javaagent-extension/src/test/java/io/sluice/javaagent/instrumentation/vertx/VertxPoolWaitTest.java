package io.sluice.javaagent.instrumentation.vertx;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Completable;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.internal.pool.Lease;
import io.vertx.core.internal.pool.PoolWaiter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * How a lease's wait in the queue of the app's own pool reaches the request made on its connection.
 * Outside the agent, {@code VirtualField} falls back to a weak map: the same hand-over the agent's
 * injected field gives. The pool's advice and a real queue run in {@code VertxHttpClientIT}.
 */
class VertxPoolWaitTest {

  private final List<String> told = new CopyOnWriteArrayList<>();
  private final List<Object> answers = new CopyOnWriteArrayList<>();
  private final HttpConnection connection = connection(1);

  private final PoolWaiter.Listener<HttpConnection> listener =
      new PoolWaiter.Listener<>() {
        @Override
        public void onEnqueue(PoolWaiter<HttpConnection> waiter) {
          told.add("enqueued");
        }

        @Override
        public void onConnect(PoolWaiter<HttpConnection> waiter) {
          told.add("connecting");
        }
      };

  private final Completable<Lease<HttpConnection>> answer =
      (lease, failure) -> answers.add(failure != null ? failure : lease);

  @Test
  void aLeaseThatWaitedInTheQueueHandsItsWaitToTheRequestOnItsConnectionOnce() {
    VertxPoolWait<HttpConnection> wait = new VertxPoolWait<>(listener, answer);
    long before = System.nanoTime();
    wait.onEnqueue(null);
    Lease<HttpConnection> lease = lease(connection);
    wait.complete(lease, null);
    long after = System.nanoTime();

    long taken = VertxPoolWait.takeFrom(requestOn(connection));

    assertThat(taken).isPositive().isLessThanOrEqualTo(after - before);
    assertThat(VertxPoolWait.takeFrom(requestOn(connection))).as("taken again").isZero();
    assertThat(told).containsExactly("enqueued");
    assertThat(answers).containsExactly(lease);
  }

  @Test
  void theWaitEndsWhenThePoolBeginsToConnectForTheLease() {
    VertxPoolWait<HttpConnection> wait = new VertxPoolWait<>(listener, answer);
    long before = System.nanoTime();
    wait.onEnqueue(null);
    wait.onConnect(null);
    long connecting = System.nanoTime();
    // the connect itself, simulated: the target's time, which the wait must not take in
    while (System.nanoTime() - connecting < TimeUnit.MILLISECONDS.toNanos(20)) {
      Thread.onSpinWait();
    }
    wait.complete(lease(connection), null);

    assertThat(VertxPoolWait.takeFrom(requestOn(connection)))
        .isPositive()
        .isLessThanOrEqualTo(connecting - before);
    assertThat(told).containsExactly("enqueued", "connecting");
  }

  @Test
  void aLeaseThatNeverWaitedClearsTheWaitOfAnEarlierLeaseWhoseRequestNeverTookIt() {
    VertxPoolWait<HttpConnection> queued = new VertxPoolWait<>(listener, answer);
    queued.onEnqueue(null);
    queued.complete(lease(connection), null);

    new VertxPoolWait<>(listener, answer).complete(lease(connection), null);

    assertThat(VertxPoolWait.takeFrom(requestOn(connection))).isZero();
  }

  @Test
  void aConnectionServingSeveralRequestsAtOnceCarriesNoWait() {
    // HTTP/2 or pipelining: its leases overlap, and one could take another's wait
    HttpConnection shared = connection(100);
    VertxPoolWait<HttpConnection> wait = new VertxPoolWait<>(listener, answer);
    wait.onEnqueue(null);
    Lease<HttpConnection> lease = lease(shared);

    wait.complete(lease, null);

    assertThat(VertxPoolWait.takeFrom(requestOn(shared))).isZero();
    assertThat(answers).containsExactly(lease);
  }

  @Test
  void aLeaseThatFailedIsPassedOnAndLeavesNoWait() {
    VertxPoolWait<HttpConnection> wait = new VertxPoolWait<>(listener, answer);
    wait.onEnqueue(null);
    IllegalStateException closed = new IllegalStateException("Pool closed");

    wait.complete(null, closed);

    assertThat(answers).containsExactly(closed);
    assertThat(VertxPoolWait.takeFrom(requestOn(connection))).isZero();
  }

  @Test
  void aRequestHandedToTheAppTakesItsConnectionsWaitOutOfItsCall() {
    VertxPoolWait<HttpConnection> wait = new VertxPoolWait<>(listener, answer);
    wait.onEnqueue(null);
    wait.complete(lease(connection), null);
    RecordingCall call = new RecordingCall();

    VertxOutcome.watch(call, null, Future.succeededFuture(requestOn(connection)));

    assertThat(call.excluded).singleElement().satisfies(nanos -> assertThat(nanos).isPositive());
    assertThat(call.reports).isEmpty();
  }

  @Test
  void aRequestOnAConnectionWhoseLeaseNeverWaitedKeepsItsWholeDuration() {
    new VertxPoolWait<>(listener, answer).complete(lease(connection), null);
    RecordingCall call = new RecordingCall();

    VertxOutcome.watch(call, null, Future.succeededFuture(requestOn(connection)));

    assertThat(call.excluded).isEmpty();
  }

  /** What Vert.x's internal client connection adds: how many requests it serves at once. */
  public interface Concurrent {
    long concurrency();
  }

  /** A connection that serves {@code concurrency} requests at once. */
  private static HttpConnection connection(long concurrency) {
    return Stubs.stub(
        "connection", Map.of("concurrency", concurrency), HttpConnection.class, Concurrent.class);
  }

  @SuppressWarnings("unchecked")
  private static Lease<HttpConnection> lease(HttpConnection connection) {
    return Stubs.stub("lease", Map.of("get", connection), Lease.class);
  }

  /** A request on {@code connection}, whose response never comes. */
  private static HttpClientRequest requestOn(HttpConnection connection) {
    Future<HttpClientResponse> response = Promise.<HttpClientResponse>promise().future();
    return Stubs.stub(
        "request", Map.of("connection", connection, "response", response), HttpClientRequest.class);
  }
}
