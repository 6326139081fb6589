package io.sluice.javaagent.bridge;

import java.lang.ref.WeakReference;

/**
 * Tells the failures of the app's own request body from failures of sending it to the target, so
 * that the first count neither way: a body the app cannot produce (its file is gone, its serializer
 * throws) says nothing about the target, yet the client fails the call with that very exception, as
 * it fails one whose connection the target reset.
 *
 * <p>The advice of each client notes what it knows where it knows it, and the extension asks {@link
 * #isAppBodyFailure} when a call fails:
 *
 * <ul>
 *   <li>JDK {@code HttpClient}: the request's {@code BodyPublisher} is the app's (or the JDK's,
 *       reading the app's bytes, stream or file), and only a publisher signals {@code onError} to
 *       the client's subscriber of the body: what it signals is the app's ({@link #appBodyFailed}).
 *       The response body too: the body subscriber the app's {@code BodyHandler} returns (the JDK's
 *       file writer of {@code BodyHandlers.ofFile}) may fail on its own, the app's file not
 *       writable, and the client fails the call with that {@code IOException}; one that fails
 *       without the client having told it of a failure is the app's (the agent's {@code
 *       WatchedBodyHandler}).
 *   <li>OkHttp and Apache HttpClient: the app's {@code RequestBody#writeTo} or {@code
 *       HttpEntity#writeTo} writes to a sink or stream the client hands it; what the client's own
 *       sinks or content streams throw on this thread is the target's I/O ({@link #sendFailed}),
 *       and what the writer throws is the app's unless it is, or wraps, such a failure ({@link
 *       #writerThrew}).
 *   <li>OkHttp's {@code Authenticator}: what the app's authenticator throws while OkHttp answers a
 *       401 or 407 (a token refresh that failed) is noted alike: the target only asked for
 *       credentials.
 * </ul>
 *
 * <p>State is JDK-typed and held weakly: the app's failures, each as long as the exception itself
 * lives (by identity: an exception's own {@code equals} is never asked), however many calls fail at
 * once, and, per thread, the last send failure. An entry whose exception was collected is dropped
 * when the next failure is noted. Nothing is touched on a call that does not fail.
 */
public final class RequestBodyFailures {

  /** The app's failures, held weakly, found by identity. */
  private static final WeakIdentitySet APP = new WeakIdentitySet();

  /**
   * The app's failures without a stack trace, each the app's for the one failed call that finds it
   * ({@link #isAppBodyFailure} forgets it): such an exception may be made once and shared by every
   * failure of its kind (Vert.x fails every stream whose connection closed with one static {@code
   * HttpClosedException}; the JVM's fast-throw exceptions are shared per throwing site), and held
   * for good it would be the app's for the life of the process, also where it fails a call whose
   * connection the target closed. Noted once however often (nested writers note one failure at each
   * level): two calls failing with the same instance at once find it once, the other counted as the
   * target's; one noted for a call that ends without asking (abandoned) stays, for one later call
   * at most.
   */
  private static final WeakIdentitySet APP_ONCE = new WeakIdentitySet();

  private static final ThreadLocal<WeakReference<Throwable>> SENT = new ThreadLocal<>();

  private RequestBodyFailures() {}

  /**
   * Notes {@code error} as the app's request body failing; one without a stack trace for the one
   * failed call that finds it (see {@link #APP_ONCE}). Never throws.
   */
  public static void appBodyFailed(Throwable error) {
    if (error == null || isNoted(error, false)) {
      return;
    }
    if (error.getStackTrace().length == 0) {
      APP_ONCE.add(error);
    } else {
      APP.add(error);
    }
  }

  /**
   * Notes {@code error}, thrown on this thread by the client's own stream or sink that carries a
   * request body to the target, as a failure of that I/O. Never throws.
   */
  public static void sendFailed(Throwable error) {
    if (error != null) {
      SENT.set(new WeakReference<>(error));
    }
  }

  /**
   * Notes {@code error}, thrown on this thread out of the app's code writing a request body, as the
   * app's failure, unless it is or wraps the last failure {@link #sendFailed} noted on this thread.
   * Never throws.
   */
  public static void writerThrew(Throwable error) {
    WeakReference<Throwable> sent = SENT.get();
    Throwable sendFailure = sent == null ? null : sent.get();
    if (error == null || sendFailure != null && CauseChain.anyMatch(error, t -> t == sendFailure)) {
      return;
    }
    appBodyFailed(error);
  }

  /**
   * Whether {@code error}, or one of its causes, was noted as the app's body failing: asked once
   * per failed call (a noted exception without a stack trace is then forgotten).
   */
  public static boolean isAppBodyFailure(Throwable error) {
    return isNoted(error, true);
  }

  /** Whether {@code error} or a cause is noted; {@code once}: forgets one noted only once. */
  private static boolean isNoted(Throwable error, boolean once) {
    if (!APP.everNoted() && !APP_ONCE.everNoted()) {
      return false;
    }
    return CauseChain.anyMatch(
        error, t -> APP.contains(t) || (once ? APP_ONCE.remove(t) : APP_ONCE.contains(t)));
  }

  /** How many of the app's failures are held; for tests. */
  static int noted() {
    return APP.size();
  }
}
