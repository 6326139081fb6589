package io.sluice.javaagent.instrumentation.vertx;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.javaagent.bridge.SluiceCall;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
    Future<HttpClientRequest> future = VertxSyntheticExchange.request(call, OPTIONS);
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
}
