package io.sluice.javaagent.instrumentation.vertx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.javaagent.bridge.SluiceCall;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.StreamResetException;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowingConsumer;
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
        VertxSyntheticExchange.request(call, OPTIONS, "http://payments:8080", null);
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
        VertxCalls.rejection(null, call, relying, "payments", 8443, true).result();
    assertThat(request.absoluteURI()).isEqualTo("https://payments:8443/pay/42?currency=EUR");

    RequestOptions tls = new RequestOptions().setHost("payments").setSsl(true).setURI("/pay");
    assertThat(VertxCalls.rejection(null, call, tls, null, 0, false).result().absoluteURI())
        .isEqualTo("https://payments:443/pay");

    RequestOptions noUri = new RequestOptions().setHost("::1").setPort(9090);
    assertThat(VertxCalls.rejection(null, call, noUri, null, 0, false).result().absoluteURI())
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
   * {@code send(ReadStream)} reads the app's stream as Vert.x's own {@code send} does: it pipes the
   * stream in, resuming it though the app paused it, and the response comes once the stream ended.
   * Before, the stream was never read: a paused server request the app forwarded stayed paused, and
   * its end never came.
   */
  @Test
  void sendWithABodyStreamReadsItToItsEndThenAnswers() {
    HttpClientRequest request = request();
    AppStream body = new AppStream();
    body.pause();

    Future<HttpClientResponse> response = request.send(body);
    assertThat(body.paused).as("the stream is resumed").isFalse();
    assertThat(response.isComplete()).as("answered before the body was read").isFalse();

    body.emit("{\"amount\":");
    body.emit("42}");
    assertThat(response.isComplete()).as("answered before the body ended").isFalse();
    body.end();

    assertThat(response.succeeded()).as("%s", response.cause()).isTrue();
    assertThat(response.result().statusCode()).isEqualTo(503);
    assertThat(request.response().result()).isSameAs(response.result());
  }

  /**
   * A body stream that fails is answered all the same, as Vert.x's pipe ends a real request where
   * its body failed and the app gets what the server answers to it.
   */
  @Test
  void sendWithABodyStreamThatFailsAnswersTheRequestItCut() {
    HttpClientRequest request = request();
    AppStream body = new AppStream();

    Future<HttpClientResponse> response = request.send(body);
    body.emit("{");
    body.fail(new java.io.IOException("the app's upstream went away"));

    assertThat(response.succeeded()).as("%s", response.cause()).isTrue();
    assertThat(response.result().statusCode()).isEqualTo(503);
  }

  /**
   * A stream that cannot be piped (one the app already piped elsewhere, say) throws nothing into
   * the app: the request is answered at once.
   */
  @Test
  void sendWithABodyStreamThatCannotBePipedAnswersAtOnce() {
    HttpClientRequest request = request();
    AppStream body = new AppStream();
    body.refusesPipes = true;

    Future<HttpClientResponse> response = request.send(body);

    assertThat(response.succeeded()).as("%s", response.cause()).isTrue();
    assertThat(response.result().statusCode()).isEqualTo(503);
  }

  /**
   * An app giving up on a request before it is answered ({@code reset}) gets what Vert.x gives it
   * for a real one: the response fails with a {@link StreamResetException} of the code, the
   * request's exception handler is told, and the request takes nothing more. Before, the reset did
   * nothing: an app waiting for the response after it (as {@code WebClient} does) waited forever.
   */
  @Test
  void resetBeforeTheAnswerFailsTheResponseAsOnARealRequest() {
    HttpClientRequest request = request();
    List<Throwable> told = new ArrayList<>();
    request.exceptionHandler(told::add);
    Future<HttpClientResponse> response = request.response();

    assertThat(request.reset(5).succeeded()).isTrue();

    assertThat(response.failed()).as("the response fails").isTrue();
    assertThat(response.cause())
        .isInstanceOfSatisfying(
            StreamResetException.class, reset -> assertThat(reset.getCode()).isEqualTo(5));
    assertThat(told).as("the exception handler").containsExactly(response.cause());
    assertThat(request.write("{}").cause()).isInstanceOf(StreamResetException.class);
    assertThat(request.end().cause()).isInstanceOf(StreamResetException.class);
    assertThat(request.send().cause()).as("send answers the response").isSameAs(response.cause());
    assertThat(request.reset().cause()).hasMessage("Already reset");
    assertThat(request.cancel().cause()).hasMessage("Already cancelled");
  }

  /**
   * A reset with a cause fails the response with that cause, as Vert.x 5.1 does ({@code reset(0,
   * cause)} is how {@code WebClient} gives up on a request whose body stream failed).
   */
  @Test
  void resetWithACauseFailsTheResponseWithIt() {
    HttpClientRequest request = request();
    IOException cause = new IOException("the app's upstream went away");

    assertThat(request.reset(0, cause).succeeded()).isTrue();

    assertThat(request.response().cause()).isSameAs(cause);
    assertThat(request.end().cause()).isInstanceOf(StreamResetException.class).hasCause(cause);
  }

  /**
   * As {@code WebClient#sendStream} sends a body stream: it pipes the stream into the request
   * itself without ending it on failure ({@code endOnFailure(false)}), and resets the request with
   * the stream's failure instead. The exchange then fails with that failure, as against a server.
   * Before, the reset did nothing and the exchange never completed.
   */
  @Test
  void aBodyStreamWebClientResetsTheRequestForFailsTheExchange() {
    HttpClientRequest request = request();
    AppStream body = new AppStream();
    Future<HttpClientResponse> response = request.response();
    body.pipe().endOnFailure(false).to(request).onFailure(failure -> request.reset(0, failure));

    body.emit("{");
    assertThat(response.isComplete()).as("answered before the body ended").isFalse();
    IOException failure = new IOException("the app's upstream went away");
    body.fail(failure);

    assertThat(response.failed()).as("the exchange fails").isTrue();
    assertThat(response.cause()).isSameAs(failure);
  }

  /**
   * {@code cancel} (Vert.x 5.1) is a reset with code 8 ({@code CANCEL}) that answers {@code true},
   * as Vert.x's does over HTTP/1.1.
   */
  @Test
  void cancelBeforeTheAnswerFailsTheResponseWithCode8() {
    HttpClientRequest request = request();
    Future<HttpClientResponse> response = request.response();

    assertThat(request.cancel().result()).isTrue();

    assertThat(response.cause())
        .isInstanceOfSatisfying(
            StreamResetException.class, reset -> assertThat(reset.getCode()).isEqualTo(8));
    assertThat(request.reset().cause()).hasMessage("Already reset");
  }

  /**
   * A reset after the answer leaves the synthetic response as it is, body included, as a real
   * response whose body has all arrived keeps it; the request takes nothing more, and the exception
   * handler hears nothing (the request had ended).
   */
  @Test
  void resetAfterTheAnswerLeavesTheResponseWhole() {
    HttpClientRequest request = request();
    List<Throwable> told = new ArrayList<>();
    request.exceptionHandler(told::add);
    HttpClientResponse response = request.send().result();

    assertThat(request.reset().succeeded()).isTrue();

    assertThat(request.response().result()).isSameAs(response);
    assertThat(response.body().result().toString()).isEqualTo("fallback");
    assertThat(told).isEmpty();
    assertThat(request.end().cause()).isInstanceOf(StreamResetException.class);
    assertThat(request.send().result()).as("send answers the response").isSameAs(response);
    assertThat(request.reset().cause()).hasMessage("Already reset");
  }

  /**
   * On the Vert.x context, as an app runs: the reset's failure reaches the response's callbacks and
   * the exception handler there.
   */
  @Test
  void aResetOnTheVertxContextFailsTheResponseThere() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      CompletableFuture<String> failed = new CompletableFuture<>();
      CompletableFuture<String> told = new CompletableFuture<>();
      vertx.runOnContext(
          v -> {
            HttpClientRequest request =
                VertxSyntheticExchange.request(
                        call, OPTIONS, "http://payments:8080", Vertx.currentContext())
                    .result();
            request.exceptionHandler(
                failure -> told.complete(onContext() + " " + failure.getMessage()));
            request
                .response()
                .onComplete(
                    (response, failure) ->
                        failed.complete(onContext() + " " + failure.getMessage()));
            request.reset(0, new IOException("gave up"));
          });
      assertThat(failed.get(10, TimeUnit.SECONDS)).isEqualTo("true gave up");
      assertThat(told.get(10, TimeUnit.SECONDS)).isEqualTo("true gave up");
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static boolean onContext() {
    return Vertx.currentContext() != null;
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

  /**
   * An app that calls {@code request} on a plain thread and reads the response there (it waited for
   * it) pipes it, as {@code WebClient} does: the pipe sets its end handler before its data handler,
   * while the client's context delivers. The body reaches the pipe in full. Before, with no context
   * the end was delivered at once, to an end handler without a data handler: the sink ended empty.
   */
  @Test
  void aPipeOffAnyContextGetsTheWholeBody() throws Exception {
    offAnyContext(
        response -> {
          Collecting sink = new Collecting();
          Future<Void> piped = response.pipeTo(sink);
          await("the pipe ends").atMost(Duration.ofSeconds(10)).until(piped::isComplete);
          assertThat(piped.succeeded()).as("%s", piped.cause()).isTrue();
          assertThat(sink.text.toString()).isEqualTo("fallback");
        });
  }

  /**
   * As {@link #aPipeOffAnyContextGetsTheWholeBody}, with the app's own handlers, the end handler
   * first: the body, then the end. Before, the end came alone, at once.
   */
  @Test
  void anEndHandlerSetBeforeTheDataHandlerOffAnyContextGetsTheBodyThenTheEnd() throws Exception {
    offAnyContext(
        response -> {
          List<String> events = new CopyOnWriteArrayList<>();
          response.endHandler(done -> events.add("end"));
          response.handler(chunk -> events.add("data " + chunk));
          await("the end").atMost(Duration.ofSeconds(10)).until(() -> events.contains("end"));
          assertThat(events).containsExactly("data fallback", "end");
        });
  }

  /**
   * A data handler and {@code end()}, off any context: {@code end()} completes once the body
   * reached the handler. Before, {@code end()} succeeded at once and the body never came.
   */
  @Test
  void endCompletesOffAnyContextOnceTheBodyReachedTheDataHandler() throws Exception {
    offAnyContext(
        response -> {
          List<String> events = new CopyOnWriteArrayList<>();
          response.handler(chunk -> events.add("data " + chunk));
          CompletableFuture<List<String>> atEnd = new CompletableFuture<>();
          Future<Void> end = response.end();
          end.onComplete(done -> atEnd.complete(List.copyOf(events)));
          assertThat(atEnd.get(10, TimeUnit.SECONDS)).containsExactly("data fallback");
          assertThat(end.succeeded()).isTrue();
        });
  }

  /**
   * An app that calls {@code request} on a plain thread gets its callbacks on a context of the
   * client's Vert.x, as for a server's answer, and reads the body there in full.
   */
  @Test
  void callbacksOfARequestMadeOffAnyContextRunOnTheClientsContext() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      HttpClient client = vertx.createHttpClient();
      assertThat(Vertx.currentContext()).isNull();
      CompletableFuture<String> piped = new CompletableFuture<>();
      VertxCalls.rejection(client, call, OPTIONS, null, 0, false)
          .compose(HttpClientRequest::send)
          .onSuccess(
              response -> {
                Collecting sink = new Collecting();
                boolean onContext = Vertx.currentContext() != null;
                response
                    .pipeTo(sink)
                    .onComplete(
                        done ->
                            piped.complete(
                                onContext + " " + response.statusCode() + " " + sink.text));
              });
      assertThat(piped.get(10, TimeUnit.SECONDS)).isEqualTo("true 503 fallback");
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  /** Rejects a call of a real client on this (plain) thread and reads its response here. */
  private void offAnyContext(ThrowingConsumer<HttpClientResponse> read) throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      HttpClient client = vertx.createHttpClient();
      assertThat(Vertx.currentContext()).as("a plain thread").isNull();
      HttpClientRequest request =
          VertxCalls.rejection(client, call, OPTIONS, null, 0, false).result();
      read.accept(request.send().result());
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  /** A body stream of the app's, driven by the test on its thread. */
  private static final class AppStream implements ReadStream<Buffer> {
    boolean paused;
    boolean refusesPipes;
    private Handler<Buffer> data;
    private Handler<Void> end;
    private Handler<Throwable> failure;

    @Override
    public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
      failure = handler;
      return this;
    }

    @Override
    public ReadStream<Buffer> handler(Handler<Buffer> handler) {
      data = handler;
      return this;
    }

    @Override
    public ReadStream<Buffer> pause() {
      paused = true;
      return this;
    }

    @Override
    public ReadStream<Buffer> resume() {
      paused = false;
      return this;
    }

    @Override
    public ReadStream<Buffer> fetch(long amount) {
      return resume();
    }

    @Override
    public ReadStream<Buffer> endHandler(Handler<Void> handler) {
      end = handler;
      return this;
    }

    @Override
    public Future<Void> pipeTo(WriteStream<Buffer> dst) {
      if (refusesPipes) {
        throw new IllegalStateException("already piped");
      }
      return ReadStream.super.pipeTo(dst);
    }

    void emit(String chunk) {
      assertThat(paused).as("emitted while paused").isFalse();
      data.handle(Buffer.buffer(chunk));
    }

    void end() {
      end.handle(null);
    }

    void fail(Throwable cause) {
      failure.handle(cause);
    }
  }

  /** A write stream that keeps what it is given (on whichever thread). */
  private static final class Collecting implements WriteStream<Buffer> {
    final StringBuffer text = new StringBuffer();

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
