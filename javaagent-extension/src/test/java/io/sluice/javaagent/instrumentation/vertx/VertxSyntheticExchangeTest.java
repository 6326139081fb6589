package io.sluice.javaagent.instrumentation.vertx;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.javaagent.bridge.SluiceCall;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.streams.WriteStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The synthetic request and response answer the ways apps read a Vert.x 5 response. The agent test
 * suite ({@code VertxHttpClientIT}) checks the same against a running app; this one checks the less
 * common shapes without forking a JVM.
 */
class VertxSyntheticExchangeTest {

  private static final String MESSAGE = "circuit breaker 'payments' for payments:8080 is OPEN";

  private static final RequestOptions OPTIONS =
      new RequestOptions()
          .setMethod(HttpMethod.POST)
          .setHost("payments")
          .setPort(8080)
          .setURI("/pay/42?currency=EUR");

  private final SluiceCall call =
      new SluiceCall(MESSAGE, true, 503, Map.of("x-sluice", "open"), "fallback") {
        @Override
        public void onResponse(int status) {
          throw new AssertionError("a rejected call reports no outcome");
        }

        @Override
        public void onError(Throwable error) {
          throw new AssertionError("a rejected call reports no outcome");
        }

        @Override
        public void abandon() {
          throw new AssertionError("a rejected call reports no outcome");
        }

        @Override
        public void accept(Object response, Throwable error) {
          throw new AssertionError("a rejected call reports no outcome");
        }
      };

  private HttpClientRequest request() {
    Future<HttpClientRequest> future =
        VertxSyntheticExchange.request(call, OPTIONS, "http://payments:8080");
    assertThat(future.succeeded()).isTrue();
    return future.result();
  }

  @Test
  void sendYieldsThePolicysStatusHeadersAndBody() {
    Future<String> answer =
        request()
            .send()
            .compose(
                response ->
                    response
                        .body()
                        .map(
                            body ->
                                response.statusCode()
                                    + " "
                                    + response.getHeader("X-Sluice")
                                    + " "
                                    + body));

    assertThat(answer.succeeded()).as("%s", answer.cause()).isTrue();
    assertThat(answer.result()).isEqualTo("503 open fallback");
  }

  @Test
  void writingTheBodyAndEndingSucceedWithoutANetwork() {
    HttpClientRequest request = request();
    assertThat(request.putHeader("content-type", "application/json")).isSameAs(request);
    assertThat(request.setChunked(true)).isSameAs(request);
    assertThat(request.write("{\"amount\":").succeeded()).isTrue();
    assertThat(request.end("42}").succeeded()).isTrue();
    assertThat(request.send(Buffer.buffer("ignored")).result().statusCode()).isEqualTo(503);

    HttpClientResponse response = request.response().result();
    assertThat(response.statusMessage()).isEqualTo(VertxSyntheticExchange.STATUS_MESSAGE);
    assertThat(response.version()).isEqualTo(HttpVersion.HTTP_1_1);
    assertThat(response.headers().get("x-sluice")).isEqualTo("open");
    assertThat(response.trailers().isEmpty()).isTrue();
    assertThat(response.cookies()).isEmpty();
    assertThat(response.request()).isSameAs(request);
    assertThat(request.headers().get("content-type")).isEqualTo("application/json");
  }

  @Test
  void describesTheRequestItStandsFor() {
    HttpClientRequest request = request();
    assertThat(request.getMethod()).isEqualTo(HttpMethod.POST);
    assertThat(request.getURI()).isEqualTo("/pay/42?currency=EUR");
    assertThat(request.path()).isEqualTo("/pay/42");
    assertThat(request.query()).isEqualTo("currency=EUR");
    assertThat(request.absoluteURI()).isEqualTo("http://payments:8080/pay/42?currency=EUR");
    assertThat(request.isChunked()).isFalse();
    assertThat(request.cancel().result()).isFalse();
    assertThat(request.toString()).contains("POST", MESSAGE);
    assertThat(request).isEqualTo(request).isNotEqualTo(request());
    assertThat(request.hashCode()).isEqualTo(System.identityHashCode(request));
  }

  /**
   * The rejection of a request relying on the client's defaults (host, port, TLS) says where it
   * would have gone, as its span does. Before, it answered {@code http://null:80/…}, and {@code
   * http} for a TLS request.
   */
  @Test
  void describesTheTargetTheClientsDefaultsResolve() {
    RequestOptions relying = new RequestOptions().setURI("/pay/42?currency=EUR");
    HttpClientRequest request =
        VertxCalls.rejection(call, relying, "payments", 8443, true).result();
    assertThat(request.absoluteURI()).isEqualTo("https://payments:8443/pay/42?currency=EUR");

    RequestOptions tls = new RequestOptions().setHost("payments").setSsl(true).setURI("/pay");
    assertThat(VertxCalls.rejection(call, tls, null, 0, false).result().absoluteURI())
        .isEqualTo("https://payments:443/pay");

    RequestOptions noUri = new RequestOptions().setHost("::1").setPort(9090);
    assertThat(VertxCalls.rejection(call, noUri, null, 0, false).result().absoluteURI())
        .isEqualTo("http://[::1]:9090/");
  }

  @Test
  void streamingReadersGetTheBodyThenTheEnd() {
    HttpClientResponse response = request().send().result();
    List<String> events = new ArrayList<>();
    response.handler(chunk -> events.add("data " + chunk));
    assertThat(events).as("nothing before the end handler is set").isEmpty();
    response.endHandler(done -> events.add("end"));
    assertThat(events).containsExactly("data fallback", "end");

    response.endHandler(done -> events.add("end again"));
    assertThat(events).as("delivered once").containsExactly("data fallback", "end");
  }

  @Test
  void bodyHandlerGetsTheWholeBody() {
    HttpClientResponse response = request().send().result();
    List<String> bodies = new ArrayList<>();
    assertThat(response.bodyHandler(body -> bodies.add(body.toString()))).isSameAs(response);
    assertThat(bodies).containsExactly("fallback");
    assertThat(response.body().result().toString())
        .as("the body can be read more than once")
        .isEqualTo("fallback");
  }

  @Test
  void theResponseComesOnceTheRequestIsSentNotBefore() {
    HttpClientRequest request = request();
    Future<HttpClientResponse> response = request.response();
    assertThat(response.isComplete()).as("nothing sent yet").isFalse();
    assertThat(request.send(Buffer.buffer("{}")).result().statusCode()).isEqualTo(503);
    assertThat(response.result().statusCode()).isEqualTo(503);

    HttpClientRequest ended = request();
    Future<HttpClientResponse> endedResponse = ended.response();
    assertThat(ended.end().succeeded()).isTrue();
    assertThat(endedResponse.result().statusCode()).isEqualTo(503);
  }

  /**
   * As {@code WebClient} reads a response: it asks for the response before it sends, then pipes the
   * response into its body stream, which sets the end handler before the data handler. On the
   * Vert.x context, the body reaches the pipe in full.
   */
  @Test
  void aPipeOnTheVertxContextGetsTheWholeBody() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      CompletableFuture<String> piped = new CompletableFuture<>();
      vertx.runOnContext(
          v -> {
            HttpClientRequest request = request();
            request
                .response()
                .onSuccess(
                    response -> {
                      Collecting sink = new Collecting();
                      response
                          .pipeTo(sink)
                          .onComplete(
                              done ->
                                  piped.complete(
                                      done.succeeded()
                                          ? response.statusCode() + " " + sink.text
                                          : done.cause().toString()));
                    });
            request.send(Buffer.buffer("{\"amount\":42}"));
          });
      assertThat(piped.get(10, TimeUnit.SECONDS)).isEqualTo("503 fallback");
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  /** A write stream that keeps what it is given. */
  private static final class Collecting implements WriteStream<Buffer> {
    final StringBuilder text = new StringBuilder();

    @Override
    public WriteStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
      return this;
    }

    @Override
    public Future<Void> write(Buffer data) {
      text.append(data);
      return Future.succeededFuture();
    }

    @Override
    public Future<Void> end() {
      return Future.succeededFuture();
    }

    @Override
    public WriteStream<Buffer> setWriteQueueMaxSize(int maxSize) {
      return this;
    }

    @Override
    public boolean writeQueueFull() {
      return false;
    }

    @Override
    public WriteStream<Buffer> drainHandler(Handler<Void> handler) {
      return this;
    }
  }
}
