package io.sluice.javaagent.instrumentation.okhttp;

import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * When the call timeouts of OkHttp calls expired, so that the advice can tell a call OkHttp
 * cancelled because its {@code callTimeout} expired (the target kept it waiting: a failure) from
 * one the app cancelled (neither a success nor a failure). OkHttp signals both alike ({@code
 * Call#isCanceled}), and counts the call timeout from {@code execute} (or from the start of an
 * enqueued call), before the app's interceptors run: the time the request took once it reached
 * {@code RetryAndFollowUpInterceptor} says nothing about whether that timeout expired.
 *
 * <p>A helper class, injected into the app's class loader next to OkHttp. Its state is the moment
 * each expired timeout ({@code Call#timeout}, an {@code okio.AsyncTimeout}) expired, held weakly:
 * an entry lives as long as its call.
 */
public final class OkHttpCallTimeouts {

  private static final Map<Object, Long> EXPIRED = Collections.synchronizedMap(new WeakHashMap<>());

  private OkHttpCallTimeouts() {}

  /** Notes that {@code timeout} expired now (OkHttp then cancels its call). */
  public static void expired(Object timeout) {
    EXPIRED.put(timeout, System.nanoTime());
  }

  /**
   * Whether {@code timeout} expired at or after {@code startNanos} ({@link System#nanoTime()}): a
   * request under way since then failed because its call timed out. One that expired before was
   * never sent: its call was cancelled already.
   */
  public static boolean expiredSince(Object timeout, long startNanos) {
    Long at = EXPIRED.get(timeout);
    return at != null && at - startNanos >= 0;
  }
}
