package io.sluice.javaagent.instrumentation.vertx;

import io.sluice.javaagent.bridge.OneTimeWarning;
import io.sluice.javaagent.bridge.SluiceCall;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VertxException;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpClosedException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.Optional;

/**
 * Reports a Vert.x call's outcome to its breaker: a failed request, or the status of the response
 * the request eventually gets. A request Vert.x refused for the app's own reasons (see {@link
 * #refusedByVertx}: the app's connection pool is full, an HTTP version the client lacks) never
 * reached the target and is discarded: it counts neither as a failure nor, however late Vert.x
 * tells of it (on an event loop the app keeps busy), as a slow call, so a burst of the app's own
 * calls cannot open the breaker of a healthy target. It also links the request to its call, so that
 * the app resetting the request abandons the call (see {@link VertxRequestCalls}) before Vert.x
 * fails the response. A helper class, injected into the app's class loader next to Vert.x; its only
 * static state is whether it logged a failure to link a request, and its reflective look-ups.
 */
public final class VertxOutcome implements Handler<AsyncResult<HttpClientRequest>> {

  private static final OneTimeWarning linkFailure =
      new OneTimeWarning(
          VertxOutcome.class.getName(),
          "Sluice: a Vert.x request could not be linked to its breaker call; the app resetting such"
              + " a request counts as a failure of its target (logged once)");

  private final SluiceCall call;

  /** The {@code HttpClientImpl} that made the request, or {@code null} when unknown. */
  private final Object client;

  /** The {@code WebClient} exchange the request is a hop of, or {@code null}. */
  private final WebClientExchange exchange;

  private VertxOutcome(SluiceCall call, Object client, WebClientExchange exchange) {
    this.call = call;
    this.client = client;
    this.exchange = exchange;
  }

  /**
   * Watches {@code request}, the future {@code client}'s {@code HttpClient#request} returned;
   * {@code client} is the {@code HttpClientImpl}, or {@code null} when unknown. A request that is a
   * hop of a {@code WebClient} exchange (made on this thread, now) holds a 3xx response for the
   * follow-up instead of reporting it (see {@link WebClientExchange}).
   */
  public static void watch(SluiceCall call, Object client, Future<HttpClientRequest> request) {
    request.onComplete(new VertxOutcome(call, client, WebClientExchange.current()));
  }

  @Override
  public void handle(AsyncResult<HttpClientRequest> request) {
    if (request.failed()) {
      if (closing(client) || refusedByVertx(request.cause())) {
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
      linkFailure.log(t);
    }
    try {
      // the wait in the app's own pool for the connection is no slowness of the target
      long waited = VertxPoolWait.takeFrom(sent);
      if (waited > 0) {
        call.excludeFromDuration(waited);
      }
    } catch (Throwable t) {
      // a helper the agent failed to inject: the wait counts as the target's latency, as before
    }
    sent.response().onComplete(new ResponseOutcome(call, client, exchange, sent));
  }

  /**
   * Whether the app has begun to close or shut down {@code client}: then a request of it that fails
   * was cut short by the close (Vert.x fails the requests still on their way to a connection with
   * {@code Resource manager closed} or {@code shutdown}, and those waiting in a pool's queue with
   * {@code Pool closed}), not by the target. Vert.x gives these failures no type of their own and
   * has no public "closing" state: 5.0 and 5.1 keep it in {@code HttpClientBase}'s protected {@code
   * closeSequence}, an {@code io.vertx.core.internal.CloseSequence} whose {@code started()} is what
   * Vert.x itself asks before it throws {@code Client is closed}. Read by reflection, only for a
   * failed request, without linking either class; {@code false} when it cannot be read (a release
   * without that field, a Vert.x on the module path that does not open it): the messages of {@link
   * #refusedByVertx} still tell ({@code VertxOutcomeOnTheModulePathIT} runs both).
   */
  static boolean closing(Object client) {
    if (client == null) {
      return false;
    }
    try {
      Field field = CLOSE_SEQUENCE_FIELD.get(client.getClass()).orElse(null);
      if (field == null) {
        return false;
      }
      Object sequence = field.get(client);
      if (sequence == null) {
        return false;
      }
      Method started = STARTED_METHOD.get(sequence.getClass()).orElse(null);
      return started != null && Boolean.TRUE.equals(started.invoke(sequence));
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      // another layout: the messages tell
    }
    return false;
  }

  private static final ClassValue<Optional<Field>> CLOSE_SEQUENCE_FIELD = new CloseSequenceField();
  private static final ClassValue<Optional<Method>> STARTED_METHOD = new StartedMethod();

  /**
   * The accessible {@link #CLOSE_SEQUENCE} field of each client class, looked up once per class: a
   * request that fails to connect asks for it, and while a target is down every request does, each
   * look-up costing the {@code NoSuchFieldException} of the subclass that lacks the field. Named,
   * not anonymous: the instrumentation module injects its helpers by name.
   */
  static final class CloseSequenceField extends ClassValue<Optional<Field>> {
    @Override
    protected Optional<Field> computeValue(Class<?> client) {
      for (Class<?> type = client; type != null; type = type.getSuperclass()) {
        try {
          Field field = type.getDeclaredField(CLOSE_SEQUENCE);
          return field.trySetAccessible() ? Optional.of(field) : Optional.empty();
        } catch (NoSuchFieldException e) {
          // declared higher up, if anywhere
        } catch (RuntimeException | LinkageError e) {
          return Optional.empty();
        }
      }
      return Optional.empty();
    }
  }

  /** The public {@code started()} of each close sequence class, looked up once per class. */
  static final class StartedMethod extends ClassValue<Optional<Method>> {
    @Override
    protected Optional<Method> computeValue(Class<?> sequence) {
      try {
        return Optional.of(sequence.getMethod("started"));
      } catch (NoSuchMethodException | RuntimeException | LinkageError e) {
        return Optional.empty();
      }
    }
  }

  /** The field of Vert.x's {@code HttpClientBase} that holds its close's progress. */
  private static final String CLOSE_SEQUENCE = "closeSequence";

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
   * The closed client's messages are the fallback of {@link #closing}, which asks the client.
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
    private final Object client;
    private final WebClientExchange exchange;
    private final HttpClientRequest request;

    ResponseOutcome(
        SluiceCall call, Object client, WebClientExchange exchange, HttpClientRequest request) {
      this.call = call;
      this.client = client;
      this.exchange = exchange;
      this.request = request;
    }

    @Override
    public void handle(AsyncResult<HttpClientResponse> response) {
      if (response.failed()) {
        if (response.cause() instanceof HttpClosedException && closing(client)) {
          // the app closed its client while the request was under way (shutting down, recycling
          // clients): Vert.x fails the response with HttpClosedException, and the app gave up on
          // the call, as with a reset, which says nothing about the target; the target's own
          // failures (a timeout, a reset) during a graceful shutdown's drain still count
          call.abandon();
        } else {
          call.onError(response.cause());
        }
        return;
      }
      int status = response.result().statusCode();
      if (exchange != null && status >= 300 && status < 400) {
        // WebClient may follow it with a request of its own, which carries this call on to the
        // final response; this hop's request no longer stands for the call (WebClient ending it
        // must not abandon the call)
        exchange.hold(call, status);
        try {
          VertxRequestCalls.link(request, null);
        } catch (Throwable t) {
          // no link to undo: the link above failed the same way, and said so
          linkFailure.log(t);
        }
        return;
      }
      call.onResponse(status);
    }
  }
}
