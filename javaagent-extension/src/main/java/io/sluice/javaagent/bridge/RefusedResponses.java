package io.sluice.javaagent.bridge;

import java.lang.ref.WeakReference;

/**
 * Remembers, per thread, the response an app's response interceptor refused by throwing, so that
 * the call it fails is judged by what the target answered. An Apache HttpClient response
 * interceptor runs inside the guarded call once the response's head arrived; the app's own check
 * that turns a 503 into an exception is common. Counted as a failure of its own, a refusal of a
 * healthy 200 opened the target's breaker; dropped, a target answering only 503s never opened it.
 * The call is judged by the status instead, as if the interceptor had let the response through.
 *
 * <p>Only a failure is noted, weakly, and only for the exception that failure threw: a refusal the
 * client recovers from (a retry that succeeds) cannot be taken for a later call's failure, which
 * finds a different exception. Nothing is touched on a call that does not fail.
 */
public final class RefusedResponses {

  private static final ThreadLocal<Refusal> LAST = new ThreadLocal<>();

  private RefusedResponses() {}

  /** Notes that the app's code refused a response of {@code status} with {@code error}. */
  public static void refused(int status, Throwable error) {
    if (error != null && status > 0) {
      LAST.set(new Refusal(new WeakReference<>(error), status));
    }
  }

  /**
   * The status of the response the app refused with {@code error} (or with one of its causes) on
   * this thread, forgotten once asked; 0 when {@code error} is no such refusal.
   */
  public static int statusOf(Throwable error) {
    Refusal last = LAST.get();
    if (last == null || error == null) {
      return 0;
    }
    Throwable refusal = last.error().get();
    if (refusal == null || !CauseChain.anyMatch(error, t -> t == refusal)) {
      return 0;
    }
    LAST.remove();
    return last.status();
  }

  private record Refusal(WeakReference<Throwable> error, int status) {}
}
