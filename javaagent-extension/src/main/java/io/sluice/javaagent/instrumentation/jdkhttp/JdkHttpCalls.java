package io.sluice.javaagent.instrumentation.jdkhttp;

import io.sluice.javaagent.bridge.OutcomeFirstFuture;
import io.sluice.javaagent.bridge.SluiceBridge;
import io.sluice.javaagent.bridge.SluiceCall;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.concurrent.CompletableFuture;

/**
 * What both {@code sendAsync} advices of {@link HttpClientImplInstrumentation} call, one advice per
 * layout of the JDK's {@code HttpClientImpl}: starting the request's breaker call, answering a
 * rejected one, and handing the app a future that completes once the outcome was counted.
 *
 * <p>A helper class, injected by the agent into the loader of {@code java.net.http} (the platform
 * loader): it names the JDK client's types, which the bootstrap bridge cannot see, and holds no
 * state of its own, so the copy there reads the same bridge hooks as the extension sets.
 */
public final class JdkHttpCalls {

  private JdkHttpCalls() {}

  /**
   * Asks the breakers about the request (keyed by its URI's host, port and raw path, and its
   * method).
   *
   * @return the guarded call, or {@code null} when no breaker covers it (or Sluice is not up)
   */
  public static SluiceCall start(HttpRequest request) {
    URI uri = request.uri();
    return SluiceBridge.start(
        uri.getHost(),
        SluiceBridge.port(uri.getScheme(), uri.getPort()),
        request.method(),
        uri.getRawPath());
  }

  /**
   * The future a rejected call returns instead of sending ({@link SluiceBridge.JdkHttpAnswers}).
   *
   * @param handler the caller's {@code BodyHandler}
   * @return the rejected call's answer, or {@code null} to send the request
   */
  public static Object rejection(SluiceCall call, HttpRequest request, Object handler) {
    if (call == null || !call.rejected()) {
      return null;
    }
    SluiceBridge.JdkHttpAnswers answers = SluiceBridge.jdkHttp;
    return answers == null ? null : answers.reject(call, request, handler);
  }

  /**
   * The handler to send a call that was let through with: the app's, watched for its body
   * subscriber failing on its own ({@link WatchedBodyHandler}); {@code handler} itself for a call
   * nothing guards.
   */
  public static Object handler(SluiceCall call, Object handler) {
    return call == null || call.rejected() ? handler : WatchedBodyHandler.watch(handler);
  }

  /**
   * What {@code sendAsync} of a call that was let through returns: a future that completes once the
   * call's outcome was counted ({@link OutcomeFirstFuture}). Thrown before the request left (a
   * CONNECT request, one the client refuses), the call is abandoned: the client reports I/O
   * failures through the future, never by throwing there.
   *
   * @param future what the JDK returned
   * @param client the client whose {@code shutdownNow()} discards the call's failure, or {@code
   *     null} on a JDK without it
   * @return the future for the app, {@code future} itself when nothing guards the call
   */
  public static Object returned(SluiceCall call, Object future, Throwable thrown, Object client) {
    if (call == null) {
      return future;
    }
    if (thrown != null) {
      call.abandon();
      return future;
    }
    return future instanceof CompletableFuture
        ? OutcomeFirstFuture.of((CompletableFuture<?>) future, call, client)
        : future;
  }
}
