package io.sluice.javaagent.instrumentation.reactornetty;

import io.sluice.javaagent.bridge.SluiceCall;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.netty.Connection;
import reactor.netty.http.client.HttpClientResponse;
import reactor.util.context.Context;

/**
 * Stands between Reactor Netty's connect {@code Mono} and its subscriber to report the call's
 * outcome: the status of the response it emits (the final one, after the redirects and retries
 * Reactor Netty makes inside), or the error it fails with (a refused or reset connection, a
 * response timeout, a TLS failure). A subscriber that cancels before either gave up on the call
 * itself ({@code Disposable#dispose}, an operator's {@code timeout}, {@code WebClient} giving up):
 * the call is abandoned, which counts neither way. Only the first of these reaches the breaker.
 *
 * <p>Everything else passes through unchanged, the subscriber's context included (Reactor Netty and
 * the agent's own instrumentation read it). A helper class, injected into the app's class loader
 * next to Reactor Netty.
 */
public final class ReactorNettyOutcome implements CoreSubscriber<Connection>, Subscription {

  private final SluiceCall call;
  private final CoreSubscriber<? super Connection> actual;
  private Subscription upstream;

  ReactorNettyOutcome(SluiceCall call, CoreSubscriber<? super Connection> actual) {
    this.call = call;
    this.actual = actual;
  }

  @Override
  public Context currentContext() {
    return actual.currentContext();
  }

  @Override
  public void onSubscribe(Subscription subscription) {
    upstream = subscription;
    actual.onSubscribe(this);
  }

  @Override
  public void onNext(Connection connection) {
    ReactorNettyCalls.responded(
        call, connection instanceof HttpClientResponse ? (HttpClientResponse) connection : null);
    actual.onNext(connection);
  }

  @Override
  public void onError(Throwable error) {
    call.onError(error);
    actual.onError(error);
  }

  @Override
  public void onComplete() {
    // after a response this changes nothing (the first outcome counts); without one the call
    // never said anything about its target
    call.abandon();
    actual.onComplete();
  }

  @Override
  public void request(long n) {
    upstream.request(n);
  }

  @Override
  public void cancel() {
    call.abandon();
    upstream.cancel();
  }
}
