package io.sluice.javaagent.instrumentation.jdkhttp;

import io.sluice.javaagent.bridge.SluiceBridge;
import io.sluice.javaagent.bridge.SluiceCall;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import javax.net.ssl.SSLSession;

/**
 * What a rejected {@code java.net.http} call answers. It lives in the extension, which (unlike the
 * bootstrap bridge) can see {@code java.net.http}: a future failed with a {@link ConnectException}
 * whose message names the breaker ({@code send} rethrows it as a {@code ConnectException}), or a
 * future completed with a synthetic {@link HttpResponse} whose body went through the caller's own
 * {@link HttpResponse.BodyHandler}.
 */
public final class JdkHttpAnswers implements SluiceBridge.JdkHttpAnswers {

  /**
   * Never throws: anything thrown here would leave the advice's {@code enter} without an answer,
   * and the method it skips would send the rejected call through the open breaker. The caller's
   * {@code BodyHandler} runs here and may throw anything, an {@link Error} too; the call then fails
   * with the breaker's I/O error, as in mode {@code error}.
   */
  @Override
  public Object reject(SluiceCall call, Object request, Object handler) {
    if (call.respond() && !openingWebSocket(request)) {
      try {
        return respond(call, (HttpRequest) request, (HttpResponse.BodyHandler<?>) handler);
      } catch (Throwable t) {
        call.responseRefused(t);
      }
    }
    return CompletableFuture.failedFuture(new ConnectException(call.message()));
  }

  /**
   * Whether the call rejected is a WebSocket's opening handshake ({@code
   * newWebSocketBuilder().buildAsync}), which the JDK sends through {@code sendAsync} on the
   * caller's thread. It gets the mode-error answer: the JDK casts the handshake's response to an
   * internal type no synthetic response can be, and a response mode answer failed the app's future
   * with a {@link ClassCastException} (its listener told nothing). Asked of rejections in response
   * mode only; false if the stack cannot be read. The stack is walked only for a request of the
   * JDK's own internal class, which the handshake sends ({@code buildForWebSocket()}): a request an
   * app builds is another class ({@code HttpRequest.newBuilder()...build()} makes an immutable
   * one), and walking the stack on each of its rejections cost microseconds under an open breaker.
   */
  private static boolean openingWebSocket(Object request) {
    if (request == null || !INTERNAL_REQUEST.equals(request.getClass().getName())) {
      return false;
    }
    try {
      return StackWalker.getInstance()
          .walk(frames -> frames.anyMatch(f -> f.getClassName().equals(OPENING_HANDSHAKE)));
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
  }

  private static final String OPENING_HANDSHAKE =
      "jdk.internal.net.http.websocket.OpeningHandshake";

  /** The class of the requests the JDK builds for itself, the handshake's among them. */
  private static final String INTERNAL_REQUEST = "jdk.internal.net.http.HttpRequestImpl";

  private static <T> CompletableFuture<HttpResponse<T>> respond(
      SluiceCall call, HttpRequest request, HttpResponse.BodyHandler<T> handler) {
    Map<String, List<String>> headerMap = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    call.headers().forEach((name, value) -> headerMap.put(name, List.of(value)));
    HttpHeaders headers = HttpHeaders.of(headerMap, (name, value) -> true);
    int status = call.status();
    HttpResponse.ResponseInfo info =
        new HttpResponse.ResponseInfo() {
          @Override
          public int statusCode() {
            return status;
          }

          @Override
          public HttpHeaders headers() {
            return headers;
          }

          @Override
          public HttpClient.Version version() {
            return HttpClient.Version.HTTP_1_1;
          }
        };
    HttpResponse.BodySubscriber<T> subscriber = handler.apply(info);
    byte[] body = call.body().getBytes(StandardCharsets.UTF_8);
    subscriber.onSubscribe(new SingleBufferSubscription(subscriber, body));
    return subscriber
        .getBody()
        .toCompletableFuture()
        .thenApply(value -> new SyntheticResponse<>(request, status, headers, value));
  }

  /**
   * Delivers one buffer on the first demand, then completes. A demand of no item or fewer ends the
   * subscription with {@code onError(IllegalArgumentException)}, as Reactive Streams §3.9 asks: the
   * subscriber's body then fails instead of waiting for a body that never comes.
   */
  private static final class SingleBufferSubscription implements Flow.Subscription {
    private final Flow.Subscriber<? super List<ByteBuffer>> subscriber;
    private final byte[] body;
    private boolean done;

    SingleBufferSubscription(Flow.Subscriber<? super List<ByteBuffer>> subscriber, byte[] body) {
      this.subscriber = subscriber;
      this.body = body;
    }

    @Override
    public synchronized void request(long n) {
      if (done) {
        return;
      }
      done = true;
      if (n <= 0) {
        subscriber.onError(
            new IllegalArgumentException(
                "Reactive Streams §3.9: request(n) needs n > 0, got " + n));
        return;
      }
      if (body.length > 0) {
        subscriber.onNext(List.of(ByteBuffer.wrap(body)));
      }
      subscriber.onComplete();
    }

    @Override
    public synchronized void cancel() {
      done = true;
    }
  }

  private record SyntheticResponse<T>(
      HttpRequest request, int statusCode, HttpHeaders headers, T body) implements HttpResponse<T> {

    @Override
    public Optional<HttpResponse<T>> previousResponse() {
      return Optional.empty();
    }

    @Override
    public Optional<SSLSession> sslSession() {
      return Optional.empty();
    }

    @Override
    public URI uri() {
      return request.uri();
    }

    @Override
    public HttpClient.Version version() {
      return HttpClient.Version.HTTP_1_1;
    }
  }
}
