package io.sluice.javaagent;

import io.sluice.javaagent.bridge.RequestBodyFailures;
import io.sluice.javaagent.bridge.SluiceBridge;
import io.sluice.javaagent.bridge.SluiceCall;
import io.sluice.sdk.FirstFailureLog;
import io.sluice.sdk.breaker.CallGuard;
import io.sluice.sdk.breaker.GuardedCall;
import io.sluice.sdk.breaker.Rejection;
import java.io.IOException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * The extension's side of {@link SluiceBridge#start}: asks the SDK's call guard and hands the
 * advice a {@link SluiceCall}. Calls no policy covers proceed too and report their outcome, so the
 * agent status shows them as unprotected targets; only a guard that guards nothing at all (before
 * the breakers are up) yields {@code null}.
 */
final class GuardedCallStarter implements SluiceBridge.CallStarter {

  private static final Logger logger = Logger.getLogger(GuardedCallStarter.class.getName());
  private static final FirstFailureLog startFailureLog =
      new FirstFailureLog(
          logger, "a guarded call could not be handed to the HTTP client; such calls go unguarded");

  private final Supplier<CallGuard> guard;

  GuardedCallStarter(Supplier<CallGuard> guard) {
    this.guard = guard;
  }

  /**
   * The call the advice guards, or {@code null} to let it go unguarded: when no policy covers it,
   * and when Sluice fails to hand it over, in which case what the breaker granted (a half-open
   * breaker's few trial permissions) is given back at once instead of staying taken until the
   * breaker's stuck-trial check, and the failure is logged once.
   */
  @Override
  public SluiceCall start(String host, int port, String method, String path) {
    GuardedCall call = guard.get().start(host, port, method, path);
    if (call == GuardedCall.UNGUARDED) {
      return null;
    }
    try {
      return call.permitted()
          ? new GuardedSluiceCall(call)
          : new GuardedSluiceCall(call, call.rejection(), host, port, method);
    } catch (RuntimeException | LinkageError e) {
      call.close(); // never throws
      startFailureLog.log(e);
      return null;
    }
  }

  /**
   * Forwards the first outcome, or the abandonment, to the SDK's guarded call; never throws into
   * the client. The SDK takes only a call's first outcome, but its check is not atomic (one caller
   * is expected to report a call); here an app cancelling a call can race the client completing it,
   * so a compare-and-set lets exactly one of them through.
   */
  static final class GuardedSluiceCall extends SluiceCall {

    private static final AtomicIntegerFieldUpdater<GuardedSluiceCall> ENDED =
        AtomicIntegerFieldUpdater.newUpdater(GuardedSluiceCall.class, "ended");
    private static final FirstFailureLog outcomeFailureLog =
        new FirstFailureLog(logger, "a circuit breaker failed to take a call's outcome");
    private static final FirstFailureLog responseRefusalLog =
        new FirstFailureLog(
            logger,
            "the synthetic response of an open breaker could not be built; such calls fail with"
                + " the breaker's I/O error instead");

    private final GuardedCall call;
    private final RejectedCallSpan span;

    /** 1 once the first outcome or abandonment went through: later ones are dropped. */
    private volatile int ended;

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
      // a broken log handler leaves it for the next refusal; the call still fails with the
      // breaker's error
      responseRefusalLog.log(error, message());
    }

    @Override
    public void traceRejection(String url, String errorType) {
      if (span != null) {
        // a call that fails (errorType) answers no status, even in mode response (a client that
        // cannot build a synthetic response fails it as in mode error)
        span.record(url, respond() && errorType == null ? status() : 0, errorType);
      }
    }

    @Override
    public boolean ended() {
      return ended == 1;
    }

    @Override
    public void onResponse(int status) {
      if (ENDED.compareAndSet(this, 0, 1)) {
        try {
          call.onResponse(status);
        } catch (RuntimeException | LinkageError e) {
          outcomeFailed(e);
        }
      }
    }

    /**
     * A failure of the target, unless it is the app's request or response body failing (see {@link
     * RequestBodyFailures}): that call never told anything about the target, neither about its
     * health nor about its speed, and is discarded.
     */
    @Override
    public void onError(Throwable error) {
      if (ENDED.compareAndSet(this, 0, 1)) {
        try {
          if (RequestBodyFailures.isAppBodyFailure(error)) {
            call.discard();
          } else {
            call.onError(error);
          }
        } catch (RuntimeException | LinkageError e) {
          outcomeFailed(e);
        }
      }
    }

    @Override
    public void discard() {
      if (ENDED.compareAndSet(this, 0, 1)) {
        try {
          call.discard();
        } catch (RuntimeException | LinkageError e) {
          outcomeFailed(e);
        }
      }
    }

    @Override
    public void excludeFromDuration(long nanos) {
      if (ended == 0) {
        try {
          call.excludeFromDuration(nanos);
        } catch (RuntimeException | LinkageError e) {
          outcomeFailed(e);
        }
      }
    }

    @Override
    public void abandon() {
      if (ENDED.compareAndSet(this, 0, 1)) {
        try {
          call.close();
        } catch (RuntimeException | LinkageError e) {
          outcomeFailed(e);
        }
      }
    }

    /**
     * The JDK client's outcome. A {@link CancellationException} is the app's own cancel (of the
     * future it holds, which {@code OutcomeFirstFuture} abandons at once, or of a stage built on
     * it, which cancels the exchange): the call is abandoned, not failed. The JDK client fails a
     * call with an {@link IOException} for what the target did (refused, reset, timed out, TLS, a
     * response it cannot parse); anything else is the app's own code the client ran for the call
     * (its {@code BodyHandler} or the body subscriber it returned, its request body publisher) or a
     * request the client refuses: the call is discarded, neither way.
     */
    @Override
    public void accept(Object response, Throwable error) {
      Throwable cause =
          error instanceof CompletionException && error.getCause() != null
              ? error.getCause()
              : error;
      if (cause instanceof CancellationException) {
        abandon();
      } else if (cause instanceof IOException) {
        onError(cause);
      } else if (cause != null) {
        discard();
      } else if (response instanceof java.net.http.HttpResponse<?> httpResponse) {
        onResponse(httpResponse.statusCode());
      }
    }

    private static void outcomeFailed(Throwable e) {
      // the breaker's failure must never reach the app
      outcomeFailureLog.log(e);
    }
  }
}
