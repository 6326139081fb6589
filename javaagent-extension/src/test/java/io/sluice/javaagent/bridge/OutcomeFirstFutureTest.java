package io.sluice.javaagent.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.testing.logging.LogCapture;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class OutcomeFirstFutureTest {

  /** Records outcomes, and whether the app's future was already done when each arrived. */
  private static final class RecordingCall extends SluiceCall {
    final List<Object> outcomes = new ArrayList<>();
    final List<Boolean> appFutureDoneAtOutcome = new ArrayList<>();
    final AtomicReference<CompletableFuture<?>> appFuture = new AtomicReference<>();
    RuntimeException failWith;
    RuntimeException failAbandonWith;

    @Override
    public void onResponse(int status) {}

    @Override
    public void onError(Throwable error) {}

    @Override
    public void abandon() {
      appFutureDoneAtOutcome.add(appFuture.get().isDone());
      outcomes.add("abandoned");
      if (failAbandonWith != null) {
        throw failAbandonWith;
      }
    }

    @Override
    public void discard() {
      appFutureDoneAtOutcome.add(appFuture.get().isDone());
      outcomes.add("discarded");
    }

    @Override
    public void accept(Object response, Throwable error) {
      appFutureDoneAtOutcome.add(appFuture.get().isDone());
      outcomes.add(error != null ? error : response);
      if (failWith != null) {
        throw failWith;
      }
    }
  }

  /**
   * A client future whose stages cancel the exchange, as the JDK client's {@code MinimalFuture}
   * does since Java 16.
   */
  private static final class ExchangeFuture<T> extends CompletableFuture<T> {
    final AtomicBoolean exchangeCancelled;

    ExchangeFuture(AtomicBoolean exchangeCancelled) {
      this.exchangeCancelled = exchangeCancelled;
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
      return new ExchangeFuture<>(exchangeCancelled);
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      exchangeCancelled.set(true);
      return super.cancel(mayInterruptIfRunning);
    }
  }

  private final RecordingCall call = new RecordingCall();
  private final AtomicBoolean exchangeCancelled = new AtomicBoolean();
  private final CompletableFuture<String> client = new ExchangeFuture<>(exchangeCancelled);
  private final CompletableFuture<String> app = OutcomeFirstFuture.of(client, call);

  {
    call.appFuture.set(app);
  }

  @Test
  void theAppSeesTheResponseOnlyAfterTheOutcomeWasRecorded() {
    assertThat(app).isNotDone();
    client.complete("200 OK");
    assertThat(call.outcomes).containsExactly("200 OK");
    assertThat(call.appFutureDoneAtOutcome).containsExactly(false);
    assertThat(app).isCompletedWithValue("200 OK");
  }

  @Test
  void aFailureReachesTheAppUnchangedAfterTheOutcome() {
    IOException refused = new IOException("connection refused");
    client.completeExceptionally(refused);
    assertThat(call.outcomes).containsExactly(refused);
    assertThat(call.appFutureDoneAtOutcome).containsExactly(false);
    assertThatThrownBy(app::get).isInstanceOf(ExecutionException.class).hasCause(refused);
    assertThatThrownBy(app::join).isInstanceOf(CompletionException.class).hasCause(refused);
  }

  /**
   * A call under way when the app shuts its client down with {@code shutdownNow()} fails with
   * {@code IOException: shutdownNow}, the app's doing: it is discarded (it counted as a failure of
   * the target), and the app still gets the failure.
   */
  @Test
  void aFailureOfAClientTheAppShutDownNowIsDiscarded() {
    Object httpClient = new Object();
    RecordingCall shutDownCall = new RecordingCall();
    CompletableFuture<String> exchange = new CompletableFuture<>();
    CompletableFuture<String> answer = OutcomeFirstFuture.of(exchange, shutDownCall, httpClient);
    shutDownCall.appFuture.set(answer);

    ClientsShutDownNow.shutDownNow(httpClient);
    IOException aborted = new IOException("shutdownNow");
    exchange.completeExceptionally(aborted);

    assertThat(shutDownCall.outcomes).containsExactly("discarded");
    assertThat(shutDownCall.appFutureDoneAtOutcome).containsExactly(false);
    assertThatThrownBy(answer::get).isInstanceOf(ExecutionException.class).hasCause(aborted);
  }

  /** A response that beat the abort still counts; so do the failures of other clients. */
  @Test
  void responsesOfAClientShutDownNowAndFailuresOfOthersStillCount() {
    Object shutDown = new Object();
    ClientsShutDownNow.shutDownNow(shutDown);
    RecordingCall answered = new RecordingCall();
    CompletableFuture<String> exchange = new CompletableFuture<>();
    answered.appFuture.set(OutcomeFirstFuture.of(exchange, answered, shutDown));
    RecordingCall other = new RecordingCall();
    CompletableFuture<String> otherExchange = new CompletableFuture<>();
    other.appFuture.set(OutcomeFirstFuture.of(otherExchange, other, new Object()));

    exchange.complete("200 OK");
    IOException reset = new IOException("connection reset");
    otherExchange.completeExceptionally(reset);

    assertThat(answered.outcomes).containsExactly("200 OK");
    assertThat(other.outcomes).containsExactly(reset);
  }

  /**
   * A call that throws (against its contract: a bug in Sluice) still lets the app have its answer,
   * and the failure is logged once however many calls meet it; it used to be dropped unlogged.
   */
  @Test
  void aFailingOutcomeStillCompletesTheAppsFutureAndIsLoggedOnce() {
    IllegalStateException bug = new IllegalStateException("a bug in Sluice");
    call.failWith = bug;
    RecordingCall another = new RecordingCall();
    another.failWith = bug;
    CompletableFuture<String> anotherClient = new CompletableFuture<>();
    CompletableFuture<String> anotherApp = OutcomeFirstFuture.of(anotherClient, another);
    another.appFuture.set(anotherApp);

    try (LogCapture log = LogCapture.of(OutcomeFirstFuture.class)) {
      client.complete("200 OK");
      anotherClient.complete("503");

      assertThat(app).isCompletedWithValue("200 OK");
      assertThat(anotherApp).isCompletedWithValue("503");
      assertThat(log.records())
          .singleElement()
          .satisfies(
              r -> {
                assertThat(r.getMessage()).contains("the app still gets its answer");
                assertThat(r.getThrown()).isSameAs(bug);
              });
    }
  }

  /** The same for a call whose abandonment throws: the app's cancel still goes through. */
  @Test
  void aFailingAbandonmentStillCancelsAndIsLoggedOnce() {
    IllegalStateException bug = new IllegalStateException("a bug in Sluice");
    call.failAbandonWith = bug;
    RecordingCall another = new RecordingCall();
    another.failAbandonWith = bug;
    CompletableFuture<String> anotherClient = new CompletableFuture<>();
    CompletableFuture<String> anotherApp = OutcomeFirstFuture.of(anotherClient, another);
    another.appFuture.set(anotherApp);

    try (LogCapture log = LogCapture.of(OutcomeFirstFuture.class)) {
      assertThat(app.cancel(true)).isTrue();
      assertThat(anotherApp.cancel(true)).isTrue();

      assertThat(client).isCancelled();
      assertThat(anotherClient).isCancelled();
      assertThat(log.records())
          .singleElement()
          .satisfies(
              r -> {
                assertThat(r.getMessage()).contains("the cancel still goes through");
                assertThat(r.getThrown()).isSameAs(bug);
              });
    }
  }

  /**
   * The app's cancel (also {@code send} interrupted) abandons the call before anyone sees the
   * cancellation: it used to reach the breaker as a failure (the client's CancellationException),
   * so a half-open breaker whose trial call the app cancelled opened again. The client's
   * CancellationException still arrives after, and is dropped by the call (only its first outcome
   * or abandonment counts).
   */
  @Test
  void cancellingTheAppsFutureAbandonsTheCallAndCancelsTheClientsExchange() {
    assertThat(app.cancel(true)).isTrue();
    assertThat(client).isCancelled();
    assertThat(app).isCancelled();
    assertThat(call.outcomes).first().isEqualTo("abandoned");
    assertThat(call.appFutureDoneAtOutcome).first().isEqualTo(false);
    assertThat(call.outcomes).last().isInstanceOf(CancellationException.class);
  }

  @Test
  void cancellingAfterTheAnswerChangesNothing() {
    client.complete("200 OK");
    assertThat(app.cancel(true)).isFalse();
    assertThat(app).isCompletedWithValue("200 OK");
    assertThat(call.outcomes).containsExactly("200 OK");
  }

  @Test
  void cancellingAStageBuiltOnTheAppsFutureCancelsTheExchangeLikeTheClientsOwnStages() {
    CompletableFuture<Integer> stage = app.thenApply(String::length);
    assertThat(stage).isInstanceOf(ExchangeFuture.class);
    assertThat(stage.cancel(true)).isTrue();
    assertThat(exchangeCancelled).isTrue();

    client.complete("200 OK");
    assertThat(app).isCompletedWithValue("200 OK");
    assertThat(call.outcomes).containsExactly("200 OK");
  }
}
