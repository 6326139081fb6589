package io.sluice.javaagent.instrumentation.reactornetty;

import io.netty.channel.ChannelException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakeException;
import io.sluice.javaagent.bridge.SluiceCall;
import java.io.IOException;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Exceptions;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.channel.AbortedException;
import reactor.netty.http.client.HttpClientRequest;
import reactor.netty.http.client.HttpClientResponse;
import reactor.util.context.Context;

/**
 * Stands between Reactor Netty's connect {@code Mono} and its subscriber to report the call's
 * outcome: the status of the response it emits (the final one, after the redirects and retries
 * Reactor Netty makes inside; for a WebSocket client the upgrade's {@code 101}, so a session that
 * stays open holds no permission), or the error it fails with (a refused WebSocket upgrade: the
 * status it was refused with). A subscriber that cancels before either gave up on the call itself
 * ({@code Disposable#dispose}, an operator's {@code timeout}, {@code WebClient} giving up): the
 * call is abandoned, which counts neither way. Only the first of these reaches the breaker.
 *
 * <p>Reactor Netty routes the app's own failures into the same error signal as the target's: the
 * request body publisher failing ({@code send(Mono.error(...))}, {@code WebClient}'s encoders), an
 * app callback ({@code doOnRequest}) throwing, the app's connection pool refusing the request (its
 * pending-acquire limit or timeout). Only errors that say something about the connection or the
 * server count as failures (see {@link #isTargetFailure}); any other error discards the call, which
 * counts neither way however long it ran (the app's own failure says nothing about the target's
 * speed either). An I/O error of the app's own body (its file is gone: {@code
 * ByteBufFlux.fromPath}, {@code sendFile}) looks like the target's, so the body is watched where
 * the app hands it to the request (see {@link #watchBody}) and what it fails with discards the call
 * too.
 *
 * <p>Everything else passes through unchanged. The subscriber's context (Reactor Netty and the
 * agent's own instrumentation read it) gains one entry, this outcome, by which the request's
 * outbound finds the call whose body it sends. A helper class, injected into the app's class loader
 * next to Reactor Netty.
 */
public final class ReactorNettyOutcome implements CoreSubscriber<Connection>, Subscription {

  /** How deep wrapped errors are looked at (wrappers of wrappers are rare; cycles possible). */
  private static final int MAX_WRAPPERS = 8;

  private static final int SWITCHING_PROTOCOLS = 101;

  private static final String WEB_CLIENT_REQUEST_EXCEPTION =
      "org.springframework.web.reactive.function.client.WebClientRequestException";

  /**
   * Reactor Netty's pool fails an acquire that waited past its {@code pendingAcquireTimeout} with
   * this {@code TimeoutException} (under its shaded package since 1.0, unshaded before): the app's
   * pool had no connection for the request (connections the app leaked, a burst past {@code
   * maxConnections}), which never left, and says nothing about the target.
   */
  private static final String POOL_ACQUIRE_TIMEOUT = "PoolAcquireTimeoutException";

  private static final String[] POOL_PACKAGES = {
    "reactor.netty.internal.shaded.reactor.pool.", "reactor.pool."
  };

  private final SluiceCall call;
  private final CoreSubscriber<? super Connection> actual;
  private final boolean errorsAboutTarget;
  private final Context context;
  private Subscription upstream;

  /** What the app's own request body failed with, if it did (see {@link #watchBody}). */
  private volatile Throwable bodyFailure;

  ReactorNettyOutcome(SluiceCall call, CoreSubscriber<? super Connection> actual) {
    this(call, actual, true);
  }

  /**
   * @param errorsAboutTarget {@code false} when Reactor Netty connects to another host than the
   *     call's target (a String URL with user info): its errors then discard the call
   */
  ReactorNettyOutcome(
      SluiceCall call, CoreSubscriber<? super Connection> actual, boolean errorsAboutTarget) {
    this.call = call;
    this.actual = actual;
    this.errorsAboutTarget = errorsAboutTarget;
    this.context = actual.currentContext().put(ReactorNettyOutcome.class, this);
  }

  @Override
  public Context currentContext() {
    return context;
  }

  /**
   * The body {@code outbound} is handed, watched for the app's own failure if {@code outbound} is
   * the request of a guarded call: what the body publisher signals is the app's (its file is gone,
   * its source failed), while the connection's failures (a write the target reset) reach the call
   * without passing through it. Reactor Netty hands the call's context to the request ({@code
   * HttpClientRequest#currentContextView}), which is how the call is found. Never throws; any other
   * body is returned as it is.
   */
  @SuppressWarnings("unchecked")
  public static <T> Publisher<T> watchBody(Object outbound, Publisher<T> body) {
    ReactorNettyOutcome outcome = of(outbound);
    if (outcome == null || body == null) {
      return body;
    }
    try {
      // a Mono stays a Mono: Reactor Netty sends one as a single message
      return body instanceof Mono
          ? ((Mono<T>) body).doOnError(outcome::bodyFailed)
          : Flux.from(body).doOnError(outcome::bodyFailed);
    } catch (RuntimeException | LinkageError e) {
      ReactorNettyCalls.failed(e);
      return body;
    }
  }

  /**
   * As {@link #watchBody(Object, Publisher)}, for the source of a body the request opens itself
   * ({@code sendUsing}, and so {@code sendFile}): what opening it throws (the app's file is gone)
   * is the app's.
   */
  public static <S> Callable<S> watchBody(Object outbound, Callable<S> source) {
    ReactorNettyOutcome outcome = of(outbound);
    if (outcome == null || source == null) {
      return source;
    }
    return () -> {
      try {
        return source.call();
      } catch (Exception | Error e) {
        outcome.bodyFailed(e);
        throw e;
      }
    };
  }

  private static ReactorNettyOutcome of(Object outbound) {
    try {
      return outbound instanceof HttpClientRequest
          ? ((HttpClientRequest) outbound)
              .currentContextView()
              .getOrDefault(ReactorNettyOutcome.class, null)
          : null;
    } catch (RuntimeException | LinkageError e) {
      ReactorNettyCalls.failed(e);
      return null;
    }
  }

  void bodyFailed(Throwable error) {
    if (bodyFailure == null) {
      bodyFailure = error;
    }
  }

  @Override
  public void onSubscribe(Subscription subscription) {
    upstream = subscription;
    actual.onSubscribe(this);
  }

  @Override
  public void onNext(Connection connection) {
    ReactorNettyCalls.responded(
        call, connection instanceof HttpClientResponse ? (HttpClientResponse) connection : null);
    actual.onNext(connection);
  }

  @Override
  public void onError(Throwable error) {
    int refusedUpgrade = 0;
    boolean targetFailure = errorsAboutTarget && !holds(error, bodyFailure);
    if (targetFailure) {
      try {
        refusedUpgrade = refusedUpgradeStatus(error);
        targetFailure = refusedUpgrade > 0 || isTargetFailure(error);
      } catch (RuntimeException | LinkageError e) {
        ReactorNettyCalls.failed(e); // counted as before: a breaker that never opens is worse
      }
    }
    if (refusedUpgrade > 0) {
      call.onResponse(refusedUpgrade);
    } else if (targetFailure) {
      call.onError(error);
    } else {
      call.discard();
    }
    actual.onError(error);
  }

  /**
   * The status with which the server refused a WebSocket upgrade (anything but {@code 101}: Reactor
   * Netty fails the connect {@code Mono} with Netty's {@code WebSocketClientHandshakeException}
   * carrying the response), counted as any other response's status; {@code 0} for any other error,
   * and for a {@code 101} whose handshake Netty rejects (a failure, see {@link #isTargetFailure}).
   */
  static int refusedUpgradeStatus(Throwable error) {
    Throwable current = error;
    for (int depth = 0; current != null && depth < MAX_WRAPPERS; depth++) {
      if (current instanceof WebSocketClientHandshakeException) {
        HttpResponse response = ((WebSocketClientHandshakeException) current).response();
        int status = response == null ? 0 : response.status().code();
        return status == SWITCHING_PROTOCOLS ? 0 : status;
      }
      if (!isWrapper(current)) {
        return 0;
      }
      current = current.getCause();
    }
    return 0;
  }

  /**
   * Whether an error of the connect {@code Mono} is the target's failure: an I/O error (a refused,
   * reset or prematurely closed connection, TLS, DNS; Reactor Netty's {@code
   * PrematureCloseException}), a connection closed before the request was sent ({@code
   * AbortedException}), a Netty channel error (its {@code ReadTimeoutException}: a response
   * timeout), a response Netty cannot decode ({@code DecoderException}), a timeout ({@code
   * java.util.concurrent.TimeoutException}: waiting for a pooled connection the target holds up),
   * but not the app's pool giving up waiting for one of its connections ({@code
   * PoolAcquireTimeoutException}), or a WebSocket upgrade that failed ({@code
   * WebSocketClientHandshakeException}: the connection closed before the server answered it, or a
   * {@code 101} Netty rejects; a refused upgrade's status is counted instead, see {@link
   * #refusedUpgradeStatus}). The error is looked at through the wrappers that carry such errors
   * unchanged (Reactor's for checked exceptions, {@code WebClientRequestException}, {@code
   * CompletionException} and {@code ExecutionException}), but not through other exceptions' causes:
   * an app error may wrap an I/O error of its own ({@code WebClient}'s {@code EncodingException}
   * wraps Jackson 2's, which are {@code IOException}s; an {@code UncheckedIOException} from the
   * app's body source).
   */
  static boolean isTargetFailure(Throwable error) {
    Throwable current = error;
    for (int depth = 0; current != null && depth < MAX_WRAPPERS; depth++) {
      if (current instanceof TimeoutException && isPoolAcquireTimeout(current)) {
        return false;
      }
      if (current instanceof IOException
          || current instanceof ChannelException
          || current instanceof DecoderException
          || current instanceof TimeoutException
          || current instanceof AbortedException
          || current instanceof WebSocketClientHandshakeException) {
        return true;
      }
      if (!isWrapper(current)) {
        return false;
      }
      current = current.getCause();
    }
    return false;
  }

  private static boolean isPoolAcquireTimeout(Throwable error) {
    String name = error.getClass().getName();
    if (!name.endsWith(POOL_ACQUIRE_TIMEOUT)) {
      return false;
    }
    for (String pool : POOL_PACKAGES) {
      if (name.length() == pool.length() + POOL_ACQUIRE_TIMEOUT.length() && name.startsWith(pool)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether {@code error} is {@code failure} or holds it among its causes (Reactor Netty wraps a
   * body's {@code ClosedChannelException} in an {@code AbortedException}, Reactor a checked error).
   */
  static boolean holds(Throwable error, Throwable failure) {
    Throwable current = error;
    for (int depth = 0; failure != null && current != null && depth < MAX_WRAPPERS; depth++) {
      if (current == failure) {
        return true;
      }
      current = current.getCause() == current ? null : current.getCause();
    }
    return false;
  }

  private static boolean isWrapper(Throwable error) {
    return Exceptions.unwrap(error) != error
        || error instanceof CompletionException
        || error instanceof ExecutionException
        || WEB_CLIENT_REQUEST_EXCEPTION.equals(error.getClass().getName());
  }

  @Override
  public void onComplete() {
    // after a response this changes nothing (the first outcome counts); without one the call
    // never said anything about its target
    call.abandon();
    actual.onComplete();
  }

  @Override
  public void request(long n) {
    upstream.request(n);
  }

  @Override
  public void cancel() {
    call.abandon();
    upstream.cancel();
  }
}
