package io.sluice.javaagent.instrumentation.reactornetty;

import io.sluice.javaagent.bridge.OneTimeWarning;
import io.sluice.javaagent.bridge.SluiceBridge;
import io.sluice.javaagent.bridge.SluiceCall;
import java.lang.reflect.Field;
import java.net.ConnectException;
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
 * logged a failure already, and the {@code HttpClientConfig#uri} field once looked up.
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

  private ReactorNettyCalls() {}

  /**
   * Asks the breakers about the request {@code config} describes; {@code null} when unguarded
   * (Sluice is not up, no breaker covers it, or its target is not a host and port).
   */
  public static SluiceCall start(HttpClientConfig config) {
    ReactorNettyTarget target = target(config);
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
    ReactorNettyTarget target = target(config);
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

  private static ReactorNettyTarget target(HttpClientConfig config) {
    try {
      return ReactorNettyTarget.resolve(
          config.uri(), config.baseUrl(), config.isSecure(), config.remoteAddress());
    } catch (RuntimeException | LinkageError e) {
      failed(e);
      return null;
    }
  }

  static void failed(Throwable error) {
    failure.log(error);
  }

  private static void subscriberFailed(Throwable error) {
    subscriberFailure.log(error);
  }
}
