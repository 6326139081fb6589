package io.sluice.javaagent.instrumentation.vertx;

import io.sluice.javaagent.bridge.SluiceCall;

/**
 * One exchange of Vert.x {@code WebClient} (its {@code HttpContext}), which follows redirects
 * itself: each hop is a request of its own through {@code HttpClientImpl#request}, where the
 * breakers guard calls. The app made one call, so only the first hop asks the breakers; a 3xx is
 * not that call's outcome but is held here, and the follow-up request carries the same call on, to
 * the final response. When {@code WebClient} does not follow the 3xx after all (no {@code
 * Location}, too many redirects, its redirect handler failed), the exchange's end reports it.
 *
 * <p>A hop the breakers rejected in {@code onOpen.mode: response} holds no call: its synthetic
 * answer is no outcome of the target's. When that answer is a 3xx with a {@code Location}, {@code
 * WebClient} follows it like any other (up to its {@code maxRedirects}); the follow-up then asks
 * the breakers itself, as a call of its own, so that a redirect to the open target is rejected
 * again and one to another target is guarded by that target's breaker. Without it the follow-up
 * would leave the process unguarded, to the very target whose breaker is open when the {@code
 * Location} is relative.
 *
 * <p>A helper class, injected into the app's class loader next to Vert.x. The exchange is kept in
 * the {@code HttpContext}'s attributes; while {@code WebClient} creates a hop's request (on one
 * thread, {@code HttpContext#handleCreateRequest} calling {@code request} directly) it is also this
 * thread's, which is how {@link VertxCalls#start} and {@link VertxOutcome#watch} find it.
 */
public final class WebClientExchange {

  /** The {@code HttpContext} attribute that holds the exchange. */
  public static final String ATTRIBUTE = "io.sluice.javaagent.webclient.exchange";

  /** The exchange whose hop this thread is creating, if any. */
  private static final ThreadLocal<WebClientExchange> creating = new ThreadLocal<>();

  private boolean following;
  private boolean rejectedHop;
  private SluiceCall held;
  private int heldStatus;

  /**
   * The exchange {@code attribute} holds, or a new one when it holds none (the first hop).
   *
   * @param attribute the {@code HttpContext}'s attribute {@link #ATTRIBUTE}
   */
  public static WebClientExchange of(Object attribute) {
    return attribute instanceof WebClientExchange
        ? (WebClientExchange) attribute
        : new WebClientExchange();
  }

  /**
   * {@code WebClient} starts creating a hop's request: the first ({@code redirects == 0}) asks the
   * breakers, a follow-up carries the held call on, asks the breakers when the hop it follows was
   * rejected, or passes unguarded otherwise.
   */
  public static void creating(WebClientExchange exchange, int redirects) {
    synchronized (exchange) {
      exchange.following = redirects > 0;
      if (redirects == 0) {
        exchange.rejectedHop = false;
      }
    }
    creating.set(exchange);
  }

  /** The hop's request is created (or failed to be). */
  public static void created() {
    creating.remove();
  }

  /** The exchange whose hop this thread is creating, or {@code null}. */
  static WebClientExchange current() {
    return creating.get();
  }

  /**
   * Whether this hop is a redirect's follow-up, which asks the breakers itself only when the hop it
   * follows was rejected (see {@link #takeRejected}).
   */
  synchronized boolean following() {
    return following;
  }

  /** Takes the call a follow-up carries on: the one the previous hop's 3xx held, or none. */
  synchronized SluiceCall takeHeld() {
    SluiceCall call = held;
    held = null;
    return call;
  }

  /** The breakers rejected this hop: its answer, if {@code WebClient} follows it, is synthetic. */
  synchronized void rejected() {
    rejectedHop = true;
  }

  /**
   * Whether the hop a follow-up follows was rejected (then the follow-up is a call of its own);
   * clears it.
   */
  synchronized boolean takeRejected() {
    boolean rejected = rejectedHop;
    rejectedHop = false;
    return rejected;
  }

  /** Holds {@code call}, whose hop answered {@code status} (a 3xx), for the follow-up. */
  synchronized void hold(SluiceCall call, int status) {
    held = call;
    heldStatus = status;
  }

  /**
   * The exchange ended ({@code WebClient} dispatched its response or failed): a held 3xx that no
   * follow-up carried on is the call's outcome after all.
   *
   * @param attribute the {@code HttpContext}'s attribute {@link #ATTRIBUTE}
   */
  public static void ended(Object attribute) {
    if (!(attribute instanceof WebClientExchange)) {
      return;
    }
    WebClientExchange exchange = (WebClientExchange) attribute;
    SluiceCall call;
    int status;
    synchronized (exchange) {
      call = exchange.held;
      status = exchange.heldStatus;
      exchange.held = null;
    }
    if (call != null) {
      call.onResponse(status);
    }
  }
}
