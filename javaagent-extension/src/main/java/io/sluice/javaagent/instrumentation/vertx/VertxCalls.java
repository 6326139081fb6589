package io.sluice.javaagent.instrumentation.vertx;

import io.sluice.javaagent.bridge.SluiceBridge;
import io.sluice.javaagent.bridge.SluiceCall;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.RequestOptions;
import java.net.ConnectException;

/**
 * What the Vert.x advice does, kept out of the advice so it stays a few lines: asks the breakers
 * about a request and builds a rejected request's answer. A helper class, injected into the app's
 * class loader next to Vert.x; it holds no state.
 */
public final class VertxCalls {

  /** Set while Vert.x makes the follow-up request of a redirect it follows. */
  private static final ThreadLocal<Boolean> followingRedirect = new ThreadLocal<>();

  private VertxCalls() {}

  /** Marks (or unmarks) this thread as making a redirect's follow-up request. */
  public static void followingRedirect(boolean following) {
    if (following) {
      followingRedirect.set(Boolean.TRUE);
    } else {
      followingRedirect.remove();
    }
  }

  /**
   * Asks the breakers about the request {@code options} describe; {@code null} when unguarded,
   * which a redirect's follow-up always is (the app's own call is guarded).
   */
  public static SluiceCall start(RequestOptions options) {
    if (followingRedirect.get() != null) {
      return null;
    }
    String uri = options.getURI();
    int query = uri == null ? -1 : uri.indexOf('?');
    return SluiceBridge.start(
        options.getHost(),
        port(options),
        options.getMethod() == null ? "GET" : options.getMethod().name(),
        query >= 0 ? uri.substring(0, query) : uri);
  }

  /**
   * What {@code HttpClient#request} returns for a rejected call, which makes no connection: a
   * failed future with a {@link ConnectException} naming the breaker ({@code onOpen.mode: error}:
   * an I/O error, as Vert.x itself fails a request whose connection is refused) or a request
   * answering the policy's synthetic response ({@code response}). Either way the rejection gets a
   * CLIENT span of its own, since the agent's Vert.x span starts only once a request is sent.
   */
  public static Future<HttpClientRequest> rejection(SluiceCall call, RequestOptions options) {
    String uri = options.getURI();
    call.traceRejection(
        (Boolean.TRUE.equals(options.isSsl()) ? "https://" : "http://")
            + options.getHost()
            + ":"
            + port(options)
            + (uri == null ? "" : uri),
        call.respond() ? null : ConnectException.class.getName());
    if (call.respond()) {
      try {
        return VertxSyntheticExchange.request(call, options);
      } catch (Throwable t) {
        // an Error too: thrown out of the advice's enter, it would let the call through
        call.responseRefused(t);
      }
    }
    return Future.failedFuture(new ConnectException(call.message()));
  }

  private static int port(RequestOptions options) {
    Integer port = options.getPort();
    return port != null ? port : (Boolean.TRUE.equals(options.isSsl()) ? 443 : 80);
  }
}
