package io.sluice.javaagent.bridge;

import java.io.InterruptedIOException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.channels.ClosedByInterruptException;

/**
 * The one meeting point of the extension and the advice inlined into HTTP clients.
 *
 * <p>Design note. Advice is inlined into classes of the platform loader ({@code java.net.http}) and
 * of application loaders (OkHttp, Apache, Vert.x); none of them can see the extension's class
 * loader, and helper classes injected into them are copies whose static state the extension never
 * reaches. Everything can see the bootstrap loader, so this class is appended to the bootstrap
 * search path before any instrumentation is installed, and holds nothing but {@code volatile} hooks
 * the extension sets once it is up. Until then (or if the extension failed) every hook is {@code
 * null} and calls pass unguarded.
 *
 * <p>It is never packaged as a loadable class of the extension jar: the extension loader asks its
 * parent first only if the class is not its own, and a second copy would make the extension set the
 * hook on a class the advice never reads.
 */
public final class SluiceBridge {

  /** Starts guarded calls: set by the extension. */
  public static volatile CallStarter starter;

  /** The JDK {@code java.net.http} answers: set by the extension. */
  public static volatile JdkHttpAnswers jdkHttp;

  private static final OneTimeWarning startFailure =
      new OneTimeWarning(
          SluiceBridge.class.getName(),
          "Sluice: the circuit breakers failed to take a call; such calls go unguarded (logged"
              + " once)");

  private SluiceBridge() {}

  /**
   * Asks the breakers whether a call may proceed. An empty path (the JDK's {@code URI#getRawPath}
   * of {@code http://host}) is the root {@code /}, which is what the request asks for and what the
   * other clients and the SDK's {@code start(URI)} pass: a policy on {@code /**} covers it.
   *
   * @return the guarded call, or {@code null} when no breaker covers it (or Sluice is not up, or
   *     failed to take the call: then the call goes unguarded, and the first failure is logged)
   */
  public static SluiceCall start(String host, int port, String method, String path) {
    CallStarter current = starter;
    if (current == null || host == null) {
      return null;
    }
    try {
      return current.start(host, port, method, path == null || path.isEmpty() ? "/" : path);
    } catch (Throwable t) {
      startFailure.log(t);
      return null;
    }
  }

  /**
   * Reports a synchronous outcome, on the thread that made the call; ignores a {@code null} call. A
   * call that failed because that thread was interrupted was given up on by the app ({@code
   * Future.cancel(true)} of the task making it, an executor's {@code shutdownNow}): the client
   * fails it with an {@code InterruptedIOException} (a wait for its pool, okio's next read or
   * write), a {@code ClosedByInterruptException}, or, on a virtual thread, the socket's {@code
   * SocketException: Closed by interrupt}, which say nothing of the target. It is abandoned, as the
   * JDK client's cancelled calls are: before, a burst of such calls (a time limiter's cancellations
   * of calls waiting for the app's own pool) opened an idle target's breaker. Only then: an
   * interrupt does not stop a platform thread's blocked socket read, and the read timing out on an
   * interrupted thread ({@code SocketTimeoutException}) is still the target's failure.
   */
  public static void end(SluiceCall call, int status, Throwable error) {
    if (call == null) {
      return;
    }
    if (error != null) {
      if (Thread.currentThread().isInterrupted() && saysInterrupted(error)) {
        call.abandon();
      } else {
        call.onError(error);
      }
    } else {
      call.onResponse(status);
    }
  }

  /**
   * Whether {@code error} or a cause is a client's or the socket's word that the calling thread was
   * interrupted: an {@link InterruptedIOException} that is no timeout ({@link
   * SocketTimeoutException}, or a client's own {@code ConnectTimeoutException} or a subclass:
   * Apache HttpClient 4's is an {@code InterruptedIOException}), a {@link
   * ClosedByInterruptException}, or the {@code SocketException} a virtual thread's socket closed by
   * its interrupt throws.
   */
  static boolean saysInterrupted(Throwable error) {
    return CauseChain.anyMatch(
        error,
        t ->
            t instanceof ClosedByInterruptException
                || t instanceof SocketException && CLOSED_BY_INTERRUPT.equals(t.getMessage())
                || t instanceof InterruptedIOException
                    && !(t instanceof SocketTimeoutException)
                    && !isConnectTimeout(t.getClass()));
  }

  /** The message of the JDK's socket closed by a virtual thread's interrupt. */
  private static final String CLOSED_BY_INTERRUPT = "Closed by interrupt";

  private static boolean isConnectTimeout(Class<?> type) {
    for (Class<?> t = type; t != null; t = t.getSuperclass()) {
      if ("ConnectTimeoutException".equals(t.getSimpleName())) {
        return true;
      }
    }
    return false;
  }

  /** The port a URL addresses: its explicit port or the scheme's default. */
  public static int port(String scheme, int port) {
    if (port > 0) {
      return port;
    }
    return "https".equalsIgnoreCase(scheme) || "wss".equalsIgnoreCase(scheme) ? 443 : 80;
  }

  /** Starts guarded calls: the extension's side of the bridge. */
  public interface CallStarter {

    /**
     * Returns the guarded call, or {@code null} when no breaker covers it. Must not throw.
     *
     * @param host the target host
     * @param port the target port
     * @param method the HTTP method
     * @param path the URL path without query
     */
    SluiceCall start(String host, int port, String method, String path);
  }

  /**
   * What the JDK client answers, typed {@code Object} because the bootstrap loader cannot see
   * {@code java.net.http} (the platform loader can, and so can the extension).
   */
  public interface JdkHttpAnswers {

    /**
     * The {@code CompletableFuture<HttpResponse<T>>} a rejected call returns: failed with a {@code
     * java.net.ConnectException}, or completed with a synthetic response.
     *
     * @param call the rejected call
     * @param request the {@code HttpRequest}
     * @param handler the caller's {@code BodyHandler}
     */
    Object reject(SluiceCall call, Object request, Object handler);
  }
}
