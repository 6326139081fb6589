package io.sluice.javaagent.instrumentation.reactornetty;

import io.netty.channel.ChannelException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakeException;
import io.sluice.javaagent.bridge.SluiceCall;
import java.io.IOException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Exceptions;
import reactor.netty.Connection;
import reactor.netty.channel.AbortedException;
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
 * app callback ({@code doOnRequest}) throwing, the app's pending-acquire limit. Only errors that
 * say something about the connection or the server count as failures (see {@link
 * #isTargetFailure}); any other error discards the call, which counts neither way however long it
 * ran (the app's own failure says nothing about the target's speed either).
 *
 * <p>Everything else passes through unchanged, the subscriber's context included (Reactor Netty and
 * the agent's own instrumentation read it). A helper class, injected into the app's class loader
 * next to Reactor Netty.
 */
public final class ReactorNettyOutcome implements CoreSubscriber<Connection>, Subscription {

  /** How deep wrapped errors are looked at (wrappers of wrappers are rare; cycles possible). */
  private static final int MAX_WRAPPERS = 8;

  private static final int SWITCHING_PROTOCOLS = 101;

  private static final String WEB_CLIENT_REQUEST_EXCEPTION =
      "org.springframework.web.reactive.function.client.WebClientRequestException";

  private final SluiceCall call;
  private final CoreSubscriber<? super Connection> actual;
  private final boolean errorsAboutTarget;
  private Subscription upstream;

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
  }

  @Override
  public Context currentContext() {
    return actual.currentContext();
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
    boolean targetFailure = errorsAboutTarget;
    if (errorsAboutTarget) {
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
   * or a WebSocket upgrade that failed ({@code WebSocketClientHandshakeException}: the connection
   * closed before the server answered it, or a {@code 101} Netty rejects; a refused upgrade's
   * status is counted instead, see {@link #refusedUpgradeStatus}). The error is looked at through
   * the wrappers that carry such errors unchanged (Reactor's for checked exceptions, {@code
   * WebClientRequestException}, {@code CompletionException} and {@code ExecutionException}), but
   * not through other exceptions' causes: an app error may wrap an I/O error of its own ({@code
   * WebClient}'s {@code EncodingException} wraps Jackson 2's, which are {@code IOException}s; an
   * {@code UncheckedIOException} from the app's body source).
   */
  static boolean isTargetFailure(Throwable error) {
    Throwable current = error;
    for (int depth = 0; current != null && depth < MAX_WRAPPERS; depth++) {
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
