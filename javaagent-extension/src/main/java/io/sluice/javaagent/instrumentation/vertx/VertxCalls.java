package io.sluice.javaagent.instrumentation.vertx;

import io.sluice.javaagent.bridge.SluiceBridge;
import io.sluice.javaagent.bridge.SluiceCall;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.internal.http.HttpClientInternal;
import io.vertx.core.net.Address;
import io.vertx.core.net.SocketAddress;
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
   * which a redirect's follow-up is (the app's own call is guarded): Vert.x core's has no call,
   * {@code WebClient}'s carries on the call of the hop it follows ({@link WebClientExchange}), if
   * that hop had one. A {@code WebClient} follow-up of a hop the breakers rejected (its synthetic
   * 3xx, {@code onOpen.mode: response}) asks the breakers itself: a rejected call never leaves the
   * process, and no call of the app's is left to carry on. The target is resolved as {@code
   * HttpClientImpl#request} resolves it, with the client's defaults ({@code null} and 0 when
   * unknown).
   */
  public static SluiceCall start(
      RequestOptions options, String defaultHost, int defaultPort, boolean defaultSsl) {
    if (followingRedirect.get() != null) {
      return null;
    }
    WebClientExchange exchange = WebClientExchange.current();
    if (exchange != null && exchange.following()) {
      SluiceCall held = exchange.takeHeld();
      if (held != null || !exchange.takeRejected()) {
        return held;
      }
    }
    String uri = options.getURI();
    int query = uri == null ? -1 : uri.indexOf('?');
    return SluiceBridge.start(
        host(options, defaultHost),
        port(options, defaultPort, defaultSsl),
        options.getMethod() == null ? "GET" : options.getMethod().name(),
        query >= 0 ? uri.substring(0, query) : uri);
  }

  /**
   * What {@code request(...)} answers once its advice exits: the rejection when the call was
   * refused (the method was skipped), else the method's own future, whose outcome is then followed
   * (see {@link #end}; a call whose method threw is discarded). One body for the advice of every
   * Vert.x layout; {@code client} is the {@code HttpClientImpl} whose {@code request} ran.
   */
  public static Future<HttpClientRequest> exit(
      Object client,
      Future<HttpClientRequest> rejection,
      SluiceCall call,
      Future<HttpClientRequest> future,
      Throwable thrown) {
    if (rejection != null) {
      return rejection;
    }
    end(call, client, future, thrown);
    return future;
  }

  /**
   * Follows the outcome of a call {@code request(...)} let through ({@code future}), or discards it
   * when the method threw before the request left; ignores a {@code null} call. {@code client} (the
   * {@code HttpClientImpl}, or {@code null}) tells whether the app closed it (see {@link
   * VertxOutcome#closing}).
   */
  public static void end(
      SluiceCall call, Object client, Future<HttpClientRequest> future, Throwable thrown) {
    if (call == null) {
      return;
    }
    if (thrown != null) {
      // thrown before the request left, for the app's own reasons (a closed client: Client is
      // closed; options Vert.x refuses: a port out of range, a null URI): Vert.x reports I/O
      // failures through the future. Discarded as the refusals it reports through the future are
      // (VertxOutcome): not abandon(), which counts a call ending after its slow-call duration as
      // slow, and the time until request() threw is the app's, not the target's
      call.discard();
    } else if (future != null) {
      VertxOutcome.watch(call, client, future);
    }
  }

  /**
   * What {@code HttpClient#request} returns for a rejected call, which makes no connection: a
   * failed future with a {@link ConnectException} naming the breaker ({@code onOpen.mode: error}:
   * an I/O error, as Vert.x itself fails a request whose connection is refused) or a request
   * answering the policy's synthetic response ({@code response}). Either way the rejection gets a
   * CLIENT span of its own, since the agent's Vert.x span starts only once a request is sent. A
   * {@code WebClient} hop's rejection is marked on its exchange, so that a follow-up of the
   * synthetic answer asks the breakers again (see {@link WebClientExchange}). {@code client} is the
   * {@code HttpClientImpl} whose {@code request} ran, or {@code null}: the synthetic answer comes
   * on a context of its Vert.x when the app called off any context (see {@link #context}).
   */
  public static Future<HttpClientRequest> rejection(
      Object client,
      SluiceCall call,
      RequestOptions options,
      String defaultHost,
      int defaultPort,
      boolean defaultSsl) {
    WebClientExchange exchange = WebClientExchange.current();
    if (exchange != null) {
      exchange.rejected();
    }
    String origin = origin(options, defaultHost, defaultPort, defaultSsl);
    String uri = options.getURI();
    call.traceRejection(
        uri == null ? origin : origin + uri,
        call.respond() ? null : ConnectException.class.getName());
    if (call.respond()) {
      try {
        return VertxSyntheticExchange.request(call, options, origin, context(client));
      } catch (Throwable t) {
        // an Error too: thrown out of the advice's enter, it would let the call through
        call.responseRefused(t);
      }
    }
    return Future.failedFuture(new ConnectException(call.message()));
  }

  /**
   * The context a rejected call's synthetic exchange answers on: the caller's, else (a request made
   * off any context, from a plain thread) one of {@code client}'s Vert.x, as {@code
   * HttpClientImpl#request} takes for a request of its own; {@code null} when neither is known.
   * Without one, the app's callbacks and the body's delivery would run on the app's thread, racing
   * the handlers it sets there.
   */
  static Context context(Object client) {
    Context current = Vertx.currentContext();
    if (current != null) {
      return current;
    }
    try {
      return client instanceof HttpClientInternal
          ? ((HttpClientInternal) client).vertx().getOrCreateContext()
          : null;
    } catch (LinkageError e) {
      // a release without HttpClientInternal#vertx(): the answer comes on the app's thread
      return null;
    }
  }

  /**
   * The full URL of the request {@code options} describe, for its span: the host {@code
   * HttpClientImpl#request} addresses, an IPv6 literal in brackets (Vert.x 5.0 takes one without
   * them: {@code setHost("::1")}, a server address, a client default host).
   */
  static String url(
      RequestOptions options, String defaultHost, int defaultPort, boolean defaultSsl) {
    String uri = options.getURI();
    return origin(options, defaultHost, defaultPort, defaultSsl) + (uri == null ? "" : uri);
  }

  /**
   * The scheme, host and port of the request {@code options} describe, as {@link #url} resolves
   * them: {@code https://payments:8443}.
   */
  static String origin(
      RequestOptions options, String defaultHost, int defaultPort, boolean defaultSsl) {
    Boolean ssl = options.isSsl();
    String host = host(options, defaultHost);
    boolean bare = host != null && host.indexOf(':') >= 0 && host.charAt(0) != '[';
    return ((ssl != null ? ssl : defaultSsl) ? "https://" : "http://")
        + (bare ? "[" + host + "]" : host)
        + ":"
        + port(options, defaultPort, defaultSsl);
  }

  /**
   * The host {@code HttpClientImpl#request} addresses: the request's, else its server address's
   * when it has one, else the client's default.
   */
  private static String host(RequestOptions options, String defaultHost) {
    String host = options.getHost();
    if (host != null) {
      return host;
    }
    Address server = options.getServer();
    if (server == null) {
      return defaultHost;
    }
    return server instanceof SocketAddress ? ((SocketAddress) server).host() : null;
  }

  /** The port, resolved like the host; the scheme's when none is known. */
  private static int port(RequestOptions options, int defaultPort, boolean defaultSsl) {
    Integer port = options.getPort();
    if (port != null) {
      return port;
    }
    Address server = options.getServer();
    if (server == null && defaultPort > 0) {
      return defaultPort;
    }
    if (server instanceof SocketAddress && ((SocketAddress) server).port() > 0) {
      return ((SocketAddress) server).port();
    }
    Boolean ssl = options.isSsl();
    return (ssl != null ? ssl : defaultSsl) ? 443 : 80;
  }
}
