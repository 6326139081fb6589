package io.sluice.javaagent.bridge;

import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

/**
 * The future an asynchronous client hands the app in place of its own, completed only once the
 * call's outcome has reached the breaker.
 *
 * <p>Why: a callback added to the client's future runs after the threads already waiting on that
 * future are released (a {@code CompletableFuture} runs its dependents last-added first). An app
 * that waits with {@code get()} and calls again at once could then ask the breaker for a permission
 * before the previous outcome was counted: a half-open breaker would reject a call although its
 * trial call had just succeeded. {@link #cancel cancel(true)} abandons the call (it counts neither
 * way) and reaches the client's future, so cancelling still stops the exchange; {@code
 * cancel(false)} stops nothing in the JDK client, and the call goes on to its outcome; stages built
 * on this future are made by the client's future ({@link #newIncompleteFuture}), so cancelling one
 * of them reaches the exchange too where the client's stages do that (the JDK client's do, since
 * Java 16).
 *
 * @param <T> the response type
 */
public final class OutcomeFirstFuture<T> extends CompletableFuture<T>
    implements BiConsumer<T, Throwable> {

  private static final OneTimeWarning outcomeFailure =
      new OneTimeWarning(
          OutcomeFirstFuture.class.getName(),
          "Sluice: a circuit breaker failed to take an asynchronous call's outcome; the app still"
              + " gets its answer (logged once)");
  private static final OneTimeWarning cancelFailure =
      new OneTimeWarning(
          OutcomeFirstFuture.class.getName(),
          "Sluice: a circuit breaker failed to give back the permission of a call the app"
              + " cancelled; the cancel still goes through (logged once)");

  private final CompletableFuture<T> original;
  private final SluiceCall call;
  private final Object client;

  private OutcomeFirstFuture(CompletableFuture<T> original, SluiceCall call, Object client) {
    this.original = original;
    this.call = call;
    this.client = client;
  }

  /** A future that completes like {@code original}, after {@code call} has heard the outcome. */
  public static <T> CompletableFuture<T> of(CompletableFuture<T> original, SluiceCall call) {
    return of(original, call, null);
  }

  /**
   * As {@link #of(CompletableFuture, SluiceCall)}, for a call of {@code client}: should it fail
   * once the app shut the client down with {@code shutdownNow()} ({@link ClientsShutDownNow}), the
   * call is discarded, neither a success nor a failure.
   */
  public static <T> CompletableFuture<T> of(
      CompletableFuture<T> original, SluiceCall call, Object client) {
    OutcomeFirstFuture<T> future = new OutcomeFirstFuture<>(original, call, client);
    original.whenComplete(future);
    return future;
  }

  /** Records the outcome, then completes this future with the client's result. */
  @Override
  public void accept(T response, Throwable error) {
    try {
      if (error != null && ClientsShutDownNow.holds(client)) {
        call.discard(); // the app aborted it: nothing about the target
      } else {
        call.accept(response, error);
      }
    } catch (RuntimeException | Error e) {
      // SluiceCall never throws by contract; should it, the app still gets its answer
      outcomeFailure.log(e);
    } finally {
      if (error != null) {
        completeExceptionally(error);
      } else {
        complete(response);
      }
    }
  }

  /** A stage of the client's kind, which carries the client's way of cancelling the exchange. */
  @Override
  public <U> CompletableFuture<U> newIncompleteFuture() {
    return original.newIncompleteFuture();
  }

  /**
   * The app gives up on the call (also {@code send} when its thread is interrupted): the call is
   * abandoned, neither a success nor a failure, before anyone sees the cancellation, so the app's
   * next call finds the breaker's permission given back. The client's future then completes with a
   * {@code CancellationException}, which no longer counts.
   *
   * <p>Not so {@code cancel(false)} (Kotlin's {@code await()} when a coroutine times out): the JDK
   * stops an exchange only when told it may interrupt ({@code MultiExchange#cancel}), so the call
   * goes on, and its outcome is the target's. This future is cancelled for the app; the client's is
   * left to complete, and its outcome counts when it comes. Abandoned, the call gave its permission
   * back while it went on (a half-open breaker let more calls through than its trial calls), and
   * its failure never counted.
   */
  @Override
  public boolean cancel(boolean mayInterruptIfRunning) {
    if (!mayInterruptIfRunning) {
      return super.cancel(false);
    }
    if (!isDone()) { // else the outcome was counted before the app could see it
      try {
        call.abandon();
      } catch (RuntimeException | Error e) {
        // SluiceCall never throws by contract; should it, the app still cancels
        cancelFailure.log(e);
      }
    }
    boolean cancelled = super.cancel(mayInterruptIfRunning);
    original.cancel(mayInterruptIfRunning);
    return cancelled;
  }
}
