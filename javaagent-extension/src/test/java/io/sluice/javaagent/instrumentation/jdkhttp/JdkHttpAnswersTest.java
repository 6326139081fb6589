package io.sluice.javaagent.instrumentation.jdkhttp;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.javaagent.bridge.SluiceCall;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
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
  private static final class RejectedCall extends SluiceCall {
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

    @Override
    public void onResponse(int status) {}

    @Override
    public void onError(Throwable error) {}

    @Override
    public void abandon() {}

    @Override
    public void accept(Object response, Throwable error) {}
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
}
