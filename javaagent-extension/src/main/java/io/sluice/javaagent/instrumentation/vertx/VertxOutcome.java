package io.sluice.javaagent.instrumentation.vertx;

import io.sluice.javaagent.bridge.SluiceCall;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VertxException;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;

/**
 * Reports a Vert.x call's outcome to its breaker: a failed request, or the status of the response
 * the request eventually gets. A request Vert.x refused for the app's own reasons (see {@link
 * #refusedByVertx}: the app's connection pool is full, an HTTP version the client lacks) never
 * reached the target and is discarded: it counts neither as a failure nor, however late Vert.x
 * tells of it (on an event loop the app keeps busy), as a slow call, so a burst of the app's own
 * calls cannot open the breaker of a healthy target. It also links the request to its call, so that
 * the app resetting the request abandons the call (see {@link VertxRequestCalls}) before Vert.x
 * fails the response. A helper class, injected into the app's class loader next to Vert.x; it holds
 * no static state.
 */
public final class VertxOutcome implements Handler<AsyncResult<HttpClientRequest>> {

  private final SluiceCall call;

  private VertxOutcome(SluiceCall call) {
    this.call = call;
  }

  /** Watches {@code request}, the future {@code HttpClient#request} returned. */
  public static void watch(SluiceCall call, Future<HttpClientRequest> request) {
    request.onComplete(new VertxOutcome(call));
  }

  @Override
  public void handle(AsyncResult<HttpClientRequest> request) {
    if (request.failed()) {
      if (refusedByVertx(request.cause())) {
        // not abandon(): that counts a call ending after its slow-call duration as slow, and the
        // time a refusal takes to reach the app is the app's (its busy event loop), not the
        // target's
        call.discard();
      } else {
        call.onError(request.cause());
      }
      return;
    }
    HttpClientRequest sent = request.result();
    try {
      // before the app sees the request (its handlers come after this one): its reset abandons
      VertxRequestCalls.link(sent, call);
    } catch (Throwable t) {
      // a helper the agent failed to inject (VertxRequestCalls logs a missing field itself):
      // without the link an app's reset counts as a failure, but the call still gets its outcome
    }
    sent.response().onComplete(new ResponseOutcome(call));
  }

  /**
   * Whether Vert.x refused the request for the app's own reasons, before it left the process: the
   * app's own pool has no room ({@link ConnectionPoolTooBusyException}: its wait queue is full, as
   * Reactor Netty's pending-acquire limit), or Vert.x cannot make the request the app asked for and
   * fails it with a bare message ({@code NoStackTraceThrowable}: {@code Handle me} for an HTTP
   * version the client was built without, {@code Cannot resolve address} for an address no resolver
   * of the client takes, {@code Pool closed} for a client the app closed), or the app closed its
   * client while the request was on its way to a connection: an {@link IllegalStateException}
   * ({@code Client is closed}, {@code Resource manager closed} or {@code shutdown}: the request
   * reached the client's pools after the close) or the {@code VertxException} {@code Pool closed} a
   * closing pool fails its waiters with. Vert.x reports what happens with the target (a refused or
   * reset connection, TLS, a timeout, a name that does not resolve) with exceptions of their own.
   */
  static boolean refusedByVertx(Throwable cause) {
    return cause instanceof ConnectionPoolTooBusyException
        || cause instanceof IllegalStateException && closedClient(cause.getMessage())
        || cause instanceof VertxException && POOL_CLOSED.equals(cause.getMessage())
        || cause != null && NO_STACK_TRACE_THROWABLE.equals(cause.getClass().getName());
  }

  /**
   * Whether {@code message} is Vert.x's own for a client the app closed or is shutting down ({@code
   * Client is closed}; its pools' {@code ResourceManager}: {@code Resource manager closed}, {@code
   * Resource manager shutdown}). 5.0 and 5.1 word them so; a rewording would count such calls as
   * failures again, which {@code VertxHttpClientSuite} shows.
   */
  private static boolean closedClient(String message) {
    return message != null
        && (message.equals("Client is closed") || message.startsWith("Resource manager "));
  }

  /** What a closing Vert.x pool fails the requests waiting for its connections with. */
  private static final String POOL_CLOSED = "Pool closed";

  /** Vert.x's failure from a message alone (not public API: compared by name, not linked). */
  private static final String NO_STACK_TRACE_THROWABLE = "io.vertx.core.impl.NoStackTraceThrowable";

  private static final class ResponseOutcome implements Handler<AsyncResult<HttpClientResponse>> {
    private final SluiceCall call;

    ResponseOutcome(SluiceCall call) {
      this.call = call;
    }

    @Override
    public void handle(AsyncResult<HttpClientResponse> response) {
      if (response.failed()) {
        call.onError(response.cause());
      } else {
        call.onResponse(response.result().statusCode());
      }
    }
  }
}
