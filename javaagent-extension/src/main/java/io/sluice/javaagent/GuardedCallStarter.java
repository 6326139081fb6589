package io.sluice.javaagent;

import io.sluice.javaagent.bridge.SluiceBridge;
import io.sluice.javaagent.bridge.SluiceCall;
import io.sluice.sdk.breaker.CallGuard;
import io.sluice.sdk.breaker.GuardedCall;
import io.sluice.sdk.breaker.Rejection;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The extension's side of {@link SluiceBridge#start}: asks the SDK's call guard and hands the
 * advice a {@link SluiceCall}. Calls no policy covers proceed too and report their outcome, so the
 * agent status shows them as unprotected targets; only a guard that guards nothing at all (before
 * the breakers are up) yields {@code null}.
 */
final class GuardedCallStarter implements SluiceBridge.CallStarter {

  private final Supplier<CallGuard> guard;

  GuardedCallStarter(Supplier<CallGuard> guard) {
    this.guard = guard;
  }

  @Override
  public SluiceCall start(String host, int port, String method, String path) {
    GuardedCall call = guard.get().start(host, port, method, path);
    if (call == GuardedCall.UNGUARDED) {
      return null;
    }
    if (call.permitted()) {
      return new GuardedSluiceCall(call);
    }
    return new GuardedSluiceCall(call, call.rejection(), host, port, method);
  }

  /** Forwards outcomes to the SDK's guarded call; never throws into the client. */
  static final class GuardedSluiceCall extends SluiceCall {

    private static final Logger logger = Logger.getLogger(GuardedCallStarter.class.getName());
    private static volatile boolean responseRefusalLogged;

    private final GuardedCall call;
    private final RejectedCallSpan span;

    GuardedSluiceCall(GuardedCall call) {
      this.call = call;
      this.span = null;
    }

    GuardedSluiceCall(GuardedCall call, Rejection rejection, String host, int port, String method) {
      super(
          rejection.message(),
          rejection.onOpen().mode() == io.sluice.rules.OnOpenMode.RESPONSE,
          rejection.onOpen().status(),
          rejection.onOpen().headers(),
          rejection.onOpen().body());
      this.call = call;
      this.span = new RejectedCallSpan(rejection, host, port, method);
    }

    @Override
    public void responseRefused(Throwable error) {
      if (!responseRefusalLogged) {
        responseRefusalLogged = true;
        logger.log(
            Level.WARNING,
            "the synthetic response of an open breaker could not be built ("
                + message()
                + "); such calls fail with the breaker's I/O error instead",
            error);
      }
    }

    @Override
    public void traceRejection(String url, String errorType) {
      if (span != null) {
        span.record(url, respond() ? status() : 0, errorType);
      }
    }

    @Override
    public void onResponse(int status) {
      try {
        call.onResponse(status);
      } catch (RuntimeException e) {
        // the breaker's failure must never reach the app
      }
    }

    @Override
    public void onError(Throwable error) {
      try {
        call.onError(error);
      } catch (RuntimeException e) {
        // the breaker's failure must never reach the app
      }
    }

    @Override
    public void accept(Object response, Throwable error) {
      if (error != null) {
        onError(
            error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                ? error.getCause()
                : error);
      } else if (response instanceof java.net.http.HttpResponse<?> httpResponse) {
        onResponse(httpResponse.statusCode());
      }
    }
  }
}
