package io.sluice.javaagent.instrumentation.reactornetty;

import io.sluice.javaagent.bridge.OneTimeWarning;
import io.sluice.javaagent.bridge.SluiceBridge;
import io.sluice.javaagent.bridge.SluiceCall;
import java.lang.reflect.Field;
import java.net.ConnectException;
import java.net.SocketAddress;
import java.util.function.Supplier;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Operators;
import reactor.netty.Connection;
import reactor.netty.http.client.HttpClientConfig;
import reactor.netty.http.client.HttpClientResponse;

/**
 * What the Reactor Netty advice does, kept out of the advice so it stays a few lines: asks the
 * breakers about a request, answers a rejected one, and follows a permitted one's outcome. A helper
 * class, injected into the app's class loader next to Reactor Netty; its only state is whether it
 * logged a failure already, the {@code HttpClientConfig#uri} field once looked up, and, within one
 * subscribe, the remote address it asked the app's supplier for (see {@link #suppliedOnce}).
 */
public final class ReactorNettyCalls {

  private static final OneTimeWarning failure =
      new OneTimeWarning(
          ReactorNettyCalls.class.getName(),
          "Sluice: a Reactor Netty call could not be guarded as intended (logged once)");
  private static final OneTimeWarning subscriberFailure =
      new OneTimeWarning(
          ReactorNettyCalls.class.getName(),
          "Sluice: the app's subscriber threw on the error of a Reactor Netty call an open breaker"
              + " rejected; the call stayed rejected (logged once)");
  private static volatile Field uriField;
  private static volatile boolean uriFieldUnreadable;

  /**
   * The address the app's remote address supplier gave {@link #start} on this thread, for the
   * request being subscribed: Reactor Netty gets it instead of asking the supplier again (see
   * {@link RemoteAddressInstrumentation}). Set and cleared within one {@code subscribe}.
   */
  private static final ThreadLocal<SocketAddress> supplied = new ThreadLocal<>();

  private ReactorNettyCalls() {}

  /**
   * Asks the breakers about the request {@code config} describes; {@code null} when unguarded
   * (Sluice is not up, no breaker covers it, or its target is not a host and port).
   */
  public static SluiceCall start(HttpClientConfig config) {
    if (SluiceBridge.starter == null) {
      return null; // nothing to ask: Reactor Netty resolves the request alone, as without Sluice
    }
    ReactorNettyTarget target = target(config, true);
    if (target == null) {
      return null;
    }
    String method;
    try {
      method = config.method().name();
    } catch (RuntimeException | LinkageError e) {
      failed(e);
      return null;
    }
    return SluiceBridge.start(target.host(), target.port(), method, target.path());
  }

  /**
   * Follows the outcome of a permitted call: the subscriber the connect {@code Mono} gets. Should
   * that fail, the call is abandoned (its permission given back: a half-open breaker would
   * otherwise wait for an outcome that never comes) and goes on unwatched.
   *
   * <p>A String URL with user info ({@code http://user:pw@payments:8080/pay}) is guarded by its
   * host ({@code payments:8080}), but Reactor Netty connects to {@code user:pw@payments}, a host
   * name that never resolves: its errors say nothing about the target and discard the call (counted
   * as failures, an app's malformed URL would open the breaker of a healthy target and reject the
   * app's other calls to it).
   */
  public static CoreSubscriber<? super Connection> watch(
      SluiceCall call, HttpClientConfig config, CoreSubscriber<? super Connection> actual) {
    try {
      return new ReactorNettyOutcome(call, actual, !connectsToAnotherHost(config));
    } catch (RuntimeException | LinkageError e) {
      call.abandon();
      failed(e);
      return actual;
    }
  }

  /**
   * Answers a rejected call, which makes no connection: {@code actual} gets {@code onSubscribe} and
   * an error signal with a {@link ConnectException} naming the breaker (an I/O error, as Reactor
   * Netty fails a request whose connection is refused), in either {@code onOpen.mode}. Sluice
   * records no span of its own: the agent's Reactor Netty instrumentation ends its CLIENT span with
   * this error (under {@code WebClient}, the agent's {@code WebClient} span takes its place), and
   * the breaker's {@code sluice.breaker.rejected} event goes to the span current at the rejection.
   *
   * @return {@code true}: the connect {@code Mono} must not run, whatever happened here
   */
  public static boolean reject(SluiceCall call, CoreSubscriber<? super Connection> actual) {
    try {
      Subscription none = Operators.emptySubscription();
      ConnectException rejection = new ConnectException(call.message());
      try {
        actual.onSubscribe(none);
        actual.onError(rejection);
      } catch (Throwable e) {
        // the app's subscriber threw: its own failure, which must not let the call through (the
        // advice would swallow it and run the connect Mono)
        subscriberFailed(e);
      }
    } catch (RuntimeException | LinkageError e) {
      failed(e);
    }
    return true;
  }

  /**
   * Reports the response the connect {@code Mono} emitted; a connection that is no HTTP response,
   * or whose status cannot be read, ends the call without an outcome.
   */
  static void responded(SluiceCall call, HttpClientResponse response) {
    int status = 0;
    try {
      status = response == null ? 0 : response.status().code();
    } catch (RuntimeException | LinkageError e) {
      failed(e);
    }
    if (status > 0) {
      call.onResponse(status);
    } else {
      call.abandon();
    }
  }

  /**
   * Whether Reactor Netty connects to another host than the request's target: a String URL (not a
   * {@code java.net.URI}, whose host Reactor Netty connects to) with user info. Cheap for every
   * other request: a URL without {@code '@'} needs no more.
   */
  private static boolean connectsToAnotherHost(HttpClientConfig config) {
    String uri = config.uri();
    String baseUrl = config.baseUrl();
    if ((uri == null || uri.indexOf('@') < 0) && (baseUrl == null || baseUrl.indexOf('@') < 0)) {
      return false;
    }
    // without the remote address: a relative URI has no user info, and the app's supplier must
    // not be asked again
    ReactorNettyTarget target = target(config, false);
    if (target == null || !target.hasUserInfo()) {
      return false;
    }
    if (uriFieldUnreadable) {
      return false;
    }
    try {
      Field field = uriField;
      if (field == null) {
        field = HttpClientConfig.class.getDeclaredField("uri");
        field.setAccessible(true);
        uriField = field;
      }
      return field.get(config) == null;
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      // cannot tell: its errors count, as for any call to the target; not tried again (a
      // modular app that does not open Reactor Netty would fail every time)
      uriFieldUnreadable = true;
      failed(e);
      return false;
    }
  }

  /**
   * The request's target; with {@code askRemote}, a relative URI's from the app's remote address
   * supplier, whose answer is kept for Reactor Netty ({@link #suppliedOnce}).
   */
  private static ReactorNettyTarget target(HttpClientConfig config, boolean askRemote) {
    try {
      Supplier<? extends SocketAddress> remote = askRemote ? config.remoteAddress() : null;
      return ReactorNettyTarget.resolve(
          config.uri(),
          config.baseUrl(),
          config.isSecure(),
          remote == null ? null : () -> remembered(remote.get()));
    } catch (RuntimeException | LinkageError e) {
      failed(e);
      return null;
    }
  }

  private static SocketAddress remembered(SocketAddress address) {
    supplied.set(address);
    return address;
  }

  /**
   * The supplier Reactor Netty's {@code UriEndpointFactory} is built on: {@code given}, or, when
   * {@link #start} asked the app's supplier on this thread for the request being subscribed, one
   * that answers what it got (once: the address is forgotten as it is handed over).
   */
  public static Supplier<? extends SocketAddress> suppliedOnce(
      Supplier<? extends SocketAddress> given) {
    SocketAddress address = supplied.get();
    if (address == null) {
      return given;
    }
    supplied.remove();
    return () -> address;
  }

  /**
   * Forgets an address {@link #start} kept that Reactor Netty did not take (a release that builds
   * no {@code UriEndpointFactory}, a subscribe that failed first): run as every subscribe ends, so
   * no later request on this thread gets it.
   */
  public static void forgetSupplied() {
    supplied.remove();
  }

  static void failed(Throwable error) {
    failure.log(error);
  }

  private static void subscriberFailed(Throwable error) {
    subscriberFailure.log(error);
  }
}
