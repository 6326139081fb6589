package io.sluice.javaagent.instrumentation.jdkhttp;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.javaagent.bridge.CallIgnoringOutcomes;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What a rejected JDK call answers. The advice's {@code enter} returns this answer, and skips the
 * client's own method, only if {@link JdkHttpAnswers#reject} returns: anything it throws would let
 * the rejected call through the open breaker.
 */
class JdkHttpAnswersTest {

  private static final HttpRequest REQUEST =
      HttpRequest.newBuilder(URI.create("http://payments:8080/pay")).build();

  /** A call an open breaker rejected in mode {@code response}; records a refused response. */
  private static final class RejectedCall extends CallIgnoringOutcomes {
    final AtomicReference<Throwable> refused = new AtomicReference<>();

    RejectedCall() {
      super(
          "Sluice circuit breaker 'payments' for payments:8080 is OPEN: call not permitted",
          true,
          503,
          Map.of("x-sluice", "open"),
          "fallback");
    }

    @Override
    public void responseRefused(Throwable error) {
      refused.set(error);
    }
  }

  private final RejectedCall call = new RejectedCall();

  @Test
  void answersWithTheSyntheticResponseReadThroughTheCallersBodyHandler() throws Exception {
    Object answer =
        new JdkHttpAnswers().reject(call, REQUEST, HttpResponse.BodyHandlers.ofString());

    HttpResponse<?> response = (HttpResponse<?>) ((CompletableFuture<?>) answer).get();
    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(response.headers().firstValue("X-Sluice")).hasValue("open");
    assertThat(response.body()).isEqualTo("fallback");
    assertThat(call.refused).hasNullValue();
  }

  static Stream<Named<Throwable>> handlerFailures() {
    return Stream.of(
        Named.of("StackOverflowError", new StackOverflowError()),
        Named.of("NoClassDefFoundError", new NoClassDefFoundError("com/example/Body")),
        Named.of("IllegalStateException", new IllegalStateException("bad handler")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("handlerFailures")
  void aFailingBodyHandlerFailsTheCallWithTheBreakersIoErrorInsteadOfThrowing(Throwable failure) {
    HttpResponse.BodyHandler<String> failing =
        info -> {
          if (failure instanceof Error error) {
            throw error;
          }
          throw (RuntimeException) failure;
        };

    Object answer = new JdkHttpAnswers().reject(call, REQUEST, failing);

    assertThat((CompletableFuture<?>) answer)
        .failsWithin(Duration.ZERO)
        .withThrowableOfType(ExecutionException.class)
        .havingCause()
        .isInstanceOf(ConnectException.class)
        .withMessage(call.message());
    assertThat(call.refused).hasValue(failure);
  }

  static Stream<Named<Long>> nonPositiveDemands() {
    return Stream.of(
        Named.of("0", 0L), Named.of("-1", -1L), Named.of("Long.MIN_VALUE", Long.MIN_VALUE));
  }

  /**
   * A body subscriber of the app's that asks for no item or fewer ({@code request(n <= 0)}) is told
   * so with {@code onError(IllegalArgumentException)}, as Reactive Streams §3.9 asks of a
   * subscription: its body future fails rather than waiting forever for a body that never comes.
   */
  @ParameterizedTest(name = "request({0})")
  @MethodSource("nonPositiveDemands")
  void aNonPositiveDemandFailsTheSubscriberWithIllegalArgumentException(long demand) {
    HttpResponse.BodyHandler<String> asksWrongly =
        info -> new NonPositiveDemand(demand, HttpResponse.BodySubscribers.ofString(UTF_8));

    Object answer = new JdkHttpAnswers().reject(call, REQUEST, asksWrongly);

    assertThat((CompletableFuture<?>) answer)
        .failsWithin(Duration.ZERO)
        .withThrowableOfType(ExecutionException.class)
        .havingCause()
        .isInstanceOf(IllegalArgumentException.class)
        .withMessageContaining("3.9")
        .withMessageContaining(Long.toString(demand));
    assertThat(call.refused).hasNullValue();
  }

  /** Asks for {@code demand} items on subscribing, and hands everything else to {@code body}. */
  private static final class NonPositiveDemand implements HttpResponse.BodySubscriber<String> {
    private final long demand;
    private final HttpResponse.BodySubscriber<String> body;

    NonPositiveDemand(long demand, HttpResponse.BodySubscriber<String> body) {
      this.demand = demand;
      this.body = body;
    }

    @Override
    public CompletionStage<String> getBody() {
      return body.getBody();
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      body.onSubscribe(
          new Flow.Subscription() {
            @Override
            public void request(long n) {} // the body subscriber's own demand is not passed on

            @Override
            public void cancel() {
              subscription.cancel();
            }
          });
      subscription.request(demand);
    }

    @Override
    public void onNext(List<ByteBuffer> item) {
      body.onNext(item);
    }

    @Override
    public void onError(Throwable throwable) {
      body.onError(throwable);
    }

    @Override
    public void onComplete() {
      body.onComplete();
    }
  }
}
