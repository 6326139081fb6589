package io.sluice.javaagent.instrumentation.vertx;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.javaagent.FreshCopyLoader;
import io.sluice.javaagent.bridge.SluiceCall;
import io.sluice.testing.logging.LogCapture;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxException;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.StreamResetException;
import io.vertx.core.http.impl.HttpClientImpl;
import io.vertx.core.internal.http.HttpClientInternal;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What a Vert.x call reports to its breaker, and how the app's reset of the request comes first.
 * Outside the agent, {@code VirtualField} falls back to a weak map: the same link the agent's
 * injected field gives. The reset advice itself runs in {@code VertxHttpClientIT}.
 */
class VertxOutcomeTest {

  private final RecordingCall call = new RecordingCall();
  private final Promise<HttpClientResponse> response = Promise.promise();
  private final HttpClientRequest request = request(response.future());

  /** A request whose response is {@code response}; nothing else about it is used here. */
  private static HttpClientRequest request(Future<HttpClientResponse> response) {
    return Stubs.stub("request", Map.of("response", response), HttpClientRequest.class);
  }

  private static HttpClientResponse status(int status) {
    return Stubs.stub("response", Map.of("statusCode", status), HttpClientResponse.class);
  }

  @Test
  void theAppsResetAbandonsTheCallBeforeTheResponseFails() {
    VertxOutcome.watch(call, null, Future.succeededFuture(request));

    VertxRequestCalls.abandon(request); // what the reset advice does on entry
    StreamResetException reset = new StreamResetException(0);
    response.fail(reset);

    assertThat(call.reports).containsExactly("abandoned", reset);
  }

  /**
   * Without its link to the request (here the helper that makes it is missing, as when the agent
   * failed to inject it) a call still gets its outcome, and the loss is said once: an app's reset
   * then counts as a failure of its target. It used to be dropped without a word. A copy of {@code
   * VertxOutcome} of its own, as the agent injects one into each class loader.
   */
  @Test
  void aRequestThatCannotBeLinkedStillReportsItsOutcomeAndIsLoggedOnce() throws Exception {
    Class<?> outcome =
        new FreshCopyLoader(
                // with the helper it calls package-private methods of
                Set.of(VertxOutcome.class.getName(), WebClientExchange.class.getName()),
                Set.of(VertxRequestCalls.class.getName()))
            .copyOf(VertxOutcome.class);
    Method watch = outcome.getMethod("watch", SluiceCall.class, Object.class, Future.class);
    Promise<HttpClientResponse> secondResponse = Promise.promise();
    RecordingCall second = new RecordingCall();

    try (LogCapture log = LogCapture.of(VertxOutcome.class)) {
      watch.invoke(null, call, null, Future.succeededFuture(request));
      watch.invoke(null, second, null, Future.succeededFuture(request(secondResponse.future())));
      response.complete(status(200));
      secondResponse.complete(status(503));

      assertThat(call.reports).containsExactly(200);
      assertThat(second.reports).containsExactly(503);
      assertThat(log.records())
          .singleElement()
          .satisfies(
              r -> {
                assertThat(r.getMessage()).contains("could not be linked to its breaker call");
                assertThat(r.getThrown()).isInstanceOf(NoClassDefFoundError.class);
              });
    }
  }

  @Test
  void aResponseFailureWithoutAResetIsTheCallsFailure() {
    VertxOutcome.watch(call, null, Future.succeededFuture(request));

    StreamResetException fromServer = new StreamResetException(8);
    response.fail(fromServer);

    assertThat(call.reports).containsExactly(fromServer);
  }

  @Test
  void aResetAfterTheResponseIsReportedAfterItsStatus() {
    VertxOutcome.watch(call, null, Future.succeededFuture(request));

    response.complete(status(200));
    VertxRequestCalls.abandon(request);

    assertThat(call.reports).containsExactly(200, "abandoned");
  }

  @Test
  void aResetOfARequestWithoutACallDoesNothing() {
    HttpClientRequest unguarded = request(Promise.<HttpClientResponse>promise().future());

    VertxRequestCalls.abandon(unguarded);
    VertxRequestCalls.abandon(request); // watched by no call either

    assertThat(call.reports).isEmpty();
  }

  /**
   * A request Vert.x fails with a bare message ({@code Handle me}: an HTTP version the client was
   * built without; a closed pool) never left the process: discarded, as one the app's own pool
   * refuses or one on its way to a connection when the app closed its client, so it counts neither
   * as a failure nor as a slow call however late it is told of. Vert.x's own exceptions about the
   * target (a closed connection, others of its {@code VertxException}s) stay failures.
   */
  @Test
  void aRequestVertxRefusesForTheAppsOwnReasonsIsDiscarded() {
    RecordingCall http3 = new RecordingCall();
    RecordingCall busy = new RecordingCall();
    RecordingCall closed = new RecordingCall();
    HttpClosedException closedByServer = new HttpClosedException("Connection was closed");

    VertxOutcome.watch(http3, null, Future.failedFuture("Handle me"));
    VertxOutcome.watch(busy, null, Future.failedFuture(new ConnectionPoolTooBusyException("full")));
    VertxOutcome.watch(closed, null, Future.failedFuture(closedByServer));
    RecordingCall clientClosed = new RecordingCall();
    RecordingCall clientClosed50 = new RecordingCall();
    RecordingCall poolClosed = new RecordingCall();
    VertxOutcome.watch(
        clientClosed,
        null,
        Future.failedFuture(new IllegalStateException("Resource manager closed")));
    VertxOutcome.watch(
        clientClosed50, null, Future.failedFuture(new IllegalStateException("Client is closed")));
    RecordingCall clientShutDown = new RecordingCall();
    VertxOutcome.watch(
        clientShutDown,
        null,
        Future.failedFuture(new IllegalStateException("Resource manager shutdown")));
    VertxOutcome.watch(
        poolClosed, null, Future.failedFuture(new VertxException("Pool closed", true)));
    RecordingCall otherVertxFailure = new RecordingCall();
    VertxException proxyRefused = new VertxException("Proxy refused");
    VertxOutcome.watch(otherVertxFailure, null, Future.failedFuture(proxyRefused));

    assertThat(http3.reports).containsExactly("discarded");
    assertThat(busy.reports).containsExactly("discarded");
    assertThat(closed.reports).containsExactly(closedByServer);
    assertThat(clientClosed.reports).containsExactly("discarded");
    assertThat(clientClosed50.reports).containsExactly("discarded");
    assertThat(clientShutDown.reports).containsExactly("discarded");
    assertThat(poolClosed.reports).containsExactly("discarded");
    assertThat(otherVertxFailure.reports).containsExactly(proxyRefused);
  }

  /**
   * A request that fails once the app began to close its client was cut short by the close, not by
   * the target: discarded whatever Vert.x words its failure, as the client itself says it is
   * closing. The same failure from a client still open is the call's failure.
   */
  @Test
  void aRequestFailingOnceTheAppClosesItsClientIsDiscardedWhateverVertxCallsIt() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      HttpClientInternal client = (HttpClientInternal) vertx.createHttpClient();
      Object impl = client.unwrap(); // what the advice sees as the request's this
      assertThat(impl).isInstanceOf(HttpClientImpl.class);
      IllegalStateException reworded = new IllegalStateException("the client has been closed");

      RecordingCall whileOpen = new RecordingCall();
      VertxOutcome.watch(whileOpen, impl, Future.failedFuture(reworded));
      client.close().await(10, TimeUnit.SECONDS);
      RecordingCall afterClose = new RecordingCall();
      VertxOutcome.watch(afterClose, impl, Future.failedFuture(reworded));

      assertThat(whileOpen.reports).containsExactly(reworded);
      assertThat(afterClose.reports).containsExactly("discarded");
      assertThat(VertxOutcome.closing(new Object())).as("no such state: not closing").isFalse();
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aFailedRequestIsTheCallsFailure() {
    IllegalStateException refused = new IllegalStateException("connection refused");

    VertxOutcome.watch(call, null, Future.failedFuture(refused));

    assertThat(call.reports).containsExactly(refused);
  }

  /**
   * {@code HttpClient#request} throwing (Vert.x 5.0 and 5.1 throw {@code IllegalStateException} for
   * a client the app closed, {@code IllegalArgumentException} for a port out of range, {@code
   * NullPointerException} for a null URI) refused the request before it left, for the app's own
   * reasons: discarded as the refusals Vert.x reports through the future are, not abandoned (which
   * counts a call ending after its slow-call duration as slow).
   */
  @Test
  void aRequestTheAppsClientThrowsOnIsDiscarded() {
    VertxCalls.end(call, null, null, new IllegalStateException("Client is closed"));
    assertThat(call.reports).containsExactly("discarded");
    RecordingCall badOptions = new RecordingCall();
    VertxCalls.end(
        badOptions,
        null,
        null,
        new IllegalArgumentException("port p must be in range 0 <= p <= 65535"));
    assertThat(badOptions.reports).containsExactly("discarded");
  }
}
