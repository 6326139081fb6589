package io.sluice.javaagent.instrumentation.reactornetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelException;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakeException;
import io.netty.handler.timeout.ReadTimeoutException;
import io.sluice.javaagent.bridge.SluiceCall;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Proxy;
import java.net.ConnectException;
import java.net.URI;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import org.springframework.core.codec.EncodingException;
import org.springframework.http.HttpHeaders;
import org.springframework.web.reactive.function.client.WebClientRequestException;
import reactor.core.CoreSubscriber;
import reactor.core.Exceptions;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.channel.AbortedException;
import reactor.netty.http.client.HttpClientRequest;
import reactor.netty.http.client.PrematureCloseException;
import reactor.netty.internal.shaded.reactor.pool.PoolAcquirePendingLimitException;
import reactor.netty.internal.shaded.reactor.pool.PoolAcquireTimeoutException;
import reactor.util.context.Context;
import reactor.util.context.ContextView;

class ReactorNettyOutcomeTest {

  static Stream<Named<Throwable>> targetFailures() {
    return Stream.of(
        Named.of("a refused connection", new ConnectException("Connection refused")),
        Named.of("a reset", new IOException("Connection reset by peer")),
        Named.of("a connection closed before the response", PrematureCloseException.TEST_EXCEPTION),
        Named.of("a connection closed before the request was sent", AbortedException.beforeSend()),
        Named.of("a connect timeout", new ConnectTimeoutException("connection timed out")),
        Named.of("a response timeout", ReadTimeoutException.INSTANCE),
        Named.of("a failed TLS handshake", new SSLHandshakeException("bad certificate")),
        Named.of("a channel failure", new ChannelException("channel closed")),
        Named.of("a response that is no HTTP", new DecoderException("invalid version")),
        Named.of("a timeout", new TimeoutException("timed out")),
        Named.of(
            "a connection closed before the WebSocket upgrade was answered",
            new WebSocketClientHandshakeException(
                "Connection prematurely closed BEFORE opening handshake is complete.")),
        Named.of(
            "a 101 whose WebSocket handshake Netty rejects",
            new WebSocketClientHandshakeException(
                "Invalid handshake response sec-websocket-accept",
                new DefaultFullHttpResponse(
                    HttpVersion.HTTP_1_1, HttpResponseStatus.SWITCHING_PROTOCOLS))),
        Named.of(
            "an I/O error Reactor propagated unchecked",
            Exceptions.propagate(new IOException("Broken pipe"))),
        Named.of(
            "an I/O error WebClient wrapped",
            new WebClientRequestException(
                new ConnectException("Connection refused"),
                org.springframework.http.HttpMethod.GET,
                URI.create("http://payments/pay"),
                new HttpHeaders())));
  }

  static Stream<Named<Throwable>> appFailures() {
    return Stream.of(
        Named.of("the app's body publisher failing", new IllegalStateException("body failed")),
        Named.of("an app callback throwing", new IllegalArgumentException("doOnRequest")),
        Named.of("the app's pending acquire limit", new PoolAcquirePendingLimitException(10)),
        Named.of(
            "the app's pool giving up waiting for a connection (a TimeoutException)",
            new PoolAcquireTimeoutException(Duration.ofMillis(45))),
        Named.of(
            "the app's pool giving up, propagated by Reactor",
            Exceptions.propagate(new PoolAcquireTimeoutException(Duration.ofMillis(45)))),
        Named.of(
            "WebClient's JSON encoding failing (Jackson 2's errors are IOExceptions)",
            new EncodingException("JSON encoding error", new IOException("not serializable"))),
        Named.of(
            "the app's body reader failing with an unchecked I/O error",
            new UncheckedIOException(new IOException("file gone"))),
        Named.of(
            "an app error WebClient wrapped",
            new WebClientRequestException(
                new IllegalStateException("body failed"),
                org.springframework.http.HttpMethod.POST,
                URI.create("http://payments/pay"),
                new HttpHeaders())),
        Named.of("a null pointer", new NullPointerException()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("targetFailures")
  void countsTransportErrorsAsTheTargetsFailures(Throwable error) {
    RecordingCall call = new RecordingCall();
    RecordingSubscriber app = new RecordingSubscriber();

    new ReactorNettyOutcome(call, app).onError(error);

    assertThat(call.outcomes).containsExactly("error");
    assertThat(app.errors).containsExactly(error);
  }

  /**
   * The app's own errors discard the call: it counts neither way, not even as slow when it ran past
   * the policy's slow-call duration (before, it was abandoned, which counts such a call as slow).
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("appFailures")
  void discardsCallsThatFailWithTheAppsOwnErrors(Throwable error) {
    RecordingCall call = new RecordingCall();
    RecordingSubscriber app = new RecordingSubscriber();

    new ReactorNettyOutcome(call, app).onError(error);

    assertThat(call.outcomes).containsExactly("discard");
    assertThat(app.errors).containsExactly(error);
  }

  /**
   * An I/O error of the app's own request body (its file is gone) discards the call, whether the
   * body is a publisher ({@code send(ByteBufFlux.fromPath(...))}) or a source the request opens
   * ({@code sendFile}); an I/O error that did not come out of the body (the connection's write the
   * target reset) still counts. Before, both counted as the target's failures.
   */
  @Test
  void discardsCallsWhoseBodyTheAppFailsWithAnIoError() throws Exception {
    RecordingCall flux = new RecordingCall();
    ReactorNettyOutcome fluxOutcome = new ReactorNettyOutcome(flux, new RecordingSubscriber());
    NoSuchFileException gone = new NoSuchFileException("/missing/body");
    sendFailing(ReactorNettyOutcome.watchBody(requestOf(fluxOutcome), Flux.<ByteBuf>error(gone)));
    fluxOutcome.onError(gone);

    RecordingCall mono = new RecordingCall();
    ReactorNettyOutcome monoOutcome = new ReactorNettyOutcome(mono, new RecordingSubscriber());
    IOException unreadable = new IOException("unreadable");
    Publisher<ByteBuf> watchedMono =
        ReactorNettyOutcome.watchBody(requestOf(monoOutcome), Mono.<ByteBuf>error(unreadable));
    assertThat(watchedMono).isInstanceOf(Mono.class);
    sendFailing(watchedMono);
    monoOutcome.onError(new AbortedException(unreadable)); // wrapped on its way

    RecordingCall file = new RecordingCall();
    ReactorNettyOutcome fileOutcome = new ReactorNettyOutcome(file, new RecordingSubscriber());
    NoSuchFileException noFile = new NoSuchFileException("/missing/file");
    Callable<Object> source =
        ReactorNettyOutcome.watchBody(
            requestOf(fileOutcome),
            () -> {
              throw noFile;
            });
    assertThatThrownBy(source::call).isSameAs(noFile);
    fileOutcome.onError(noFile);

    RecordingCall write = new RecordingCall();
    ReactorNettyOutcome writeOutcome = new ReactorNettyOutcome(write, new RecordingSubscriber());
    Flux.from(ReactorNettyOutcome.watchBody(requestOf(writeOutcome), Flux.<ByteBuf>empty()))
        .blockLast(Duration.ofSeconds(5));
    writeOutcome.onError(new IOException("Connection reset by peer"));

    assertThat(flux.outcomes).containsExactly("discard");
    assertThat(mono.outcomes).containsExactly("discard");
    assertThat(file.outcomes).containsExactly("discard");
    assertThat(write.outcomes).containsExactly("error");
  }

  /**
   * Bodies of requests no guarded call sends (no outcome in their context) are left as they are.
   */
  @Test
  void leavesTheBodiesOfUnguardedRequestsAlone() {
    Flux<ByteBuf> body = Flux.empty();
    Callable<Object> source = () -> "file";

    Object unguarded = requestOf(Context.empty());

    assertThat(ReactorNettyOutcome.watchBody(unguarded, body)).isSameAs(body);
    assertThat(ReactorNettyOutcome.watchBody(unguarded, source)).isSameAs(source);
    assertThat(ReactorNettyOutcome.watchBody("not a request", body)).isSameAs(body);
  }

  /** A Reactor Netty client request whose context is the one its call's outcome gives. */
  private static HttpClientRequest requestOf(ReactorNettyOutcome outcome) {
    return requestOf(outcome.currentContext());
  }

  private static HttpClientRequest requestOf(ContextView context) {
    return (HttpClientRequest)
        Proxy.newProxyInstance(
            HttpClientRequest.class.getClassLoader(),
            new Class<?>[] {HttpClientRequest.class},
            (proxy, method, args) -> {
              if (method.getName().equals("currentContextView")) {
                return context;
              }
              throw new UnsupportedOperationException(method.getName());
            });
  }

  /** Sends a body that fails, as Reactor Netty subscribes to it. */
  private static void sendFailing(Publisher<?> body) {
    assertThatThrownBy(() -> Flux.from(body).blockLast(Duration.ofSeconds(5)))
        .isInstanceOf(Throwable.class);
  }

  /**
   * A WebSocket upgrade the server refuses with a status (Netty's handshake exception carries the
   * response) counts that status, as any response: a 503 is a failure under a 5xx policy, a 404 is
   * not. Before, it was no I/O error and counted neither way, so the breaker never opened.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("refusedUpgrades")
  void countsARefusedWebSocketUpgradeByItsStatus(int status, Throwable error) {
    RecordingCall call = new RecordingCall();
    RecordingSubscriber app = new RecordingSubscriber();

    new ReactorNettyOutcome(call, app).onError(error);

    assertThat(call.outcomes).containsExactly("response " + status);
    assertThat(app.errors).containsExactly(error);
  }

  static Stream<Arguments> refusedUpgrades() {
    return Stream.of(503, 404, 200)
        .flatMap(
            status -> {
              WebSocketClientHandshakeException refused =
                  new WebSocketClientHandshakeException(
                      "Invalid handshake response getStatus: " + status,
                      new DefaultFullHttpResponse(
                          HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status)));
              return Stream.of(
                  Arguments.of(status, Named.of("refused with " + status, refused)),
                  Arguments.of(
                      status,
                      Named.of(
                          "refused with " + status + ", propagated by Reactor",
                          Exceptions.propagate(refused))));
            });
  }

  /**
   * Errors of a call Reactor Netty sends to another host than its target (a String URL with user
   * info) say nothing about the target, whatever they are; a response it gets still counts.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("targetFailures")
  void discardsCallsWhoseErrorsAreNotAboutTheTarget(Throwable error) {
    RecordingCall call = new RecordingCall();
    RecordingSubscriber app = new RecordingSubscriber();

    new ReactorNettyOutcome(call, app, false).onError(error);

    assertThat(call.outcomes).containsExactly("discard");
    assertThat(app.errors).containsExactly(error);
  }

  /** Records what a call was told. */
  static final class RecordingCall extends SluiceCall {
    final List<String> outcomes = new ArrayList<>();

    @Override
    public void onResponse(int status) {
      outcomes.add("response " + status);
    }

    @Override
    public void onError(Throwable error) {
      outcomes.add("error");
    }

    @Override
    public void abandon() {
      outcomes.add("abandon");
    }

    @Override
    public void discard() {
      outcomes.add("discard");
    }

    @Override
    public void accept(Object response, Throwable error) {
      outcomes.add("accept");
    }
  }

  /** The app's subscriber: records the errors it gets. */
  static final class RecordingSubscriber implements CoreSubscriber<Connection> {
    final List<Throwable> errors = new ArrayList<>();

    @Override
    public void onSubscribe(Subscription subscription) {}

    @Override
    public void onNext(Connection connection) {}

    @Override
    public void onError(Throwable error) {
      errors.add(error);
    }

    @Override
    public void onComplete() {}
  }
}
