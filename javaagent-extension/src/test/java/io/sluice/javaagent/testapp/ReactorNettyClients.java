package io.sluice.javaagent.testapp;

import io.netty.handler.codec.http.HttpMethod;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientResponse;

/**
 * The Reactor Netty {@code HttpClient} client styles (beside {@link Clients}, whose Vert.x and JDK
 * types have the same simple names). The client follows redirects, as the other styles' do.
 */
final class ReactorNettyClients {

  private static final class Default {
    static final HttpClient CLIENT =
        HttpClient.create().followRedirect(true).responseTimeout(Duration.ofSeconds(10));
  }

  private ReactorNettyClients() {}

  /** {@code request(method).uri(url).send(body).responseSingle(...)}, as the app awaits it. */
  static ClientAnswer call(String method, String url) throws Exception {
    return await(answer(Default.CLIENT, method, url).toFuture());
  }

  /**
   * Subscribes to a call and, once its request is on the wire, disposes the subscription, as an app
   * giving up on a slow server does ({@code WebClient} on a timeout or a cancelled {@code Mono});
   * answers {@code cancelled} then, else the call's own answer (a rejected call's error).
   */
  static ClientAnswer cancel(String method, String url) throws Exception {
    CompletableFuture<Void> sent = new CompletableFuture<>();
    CompletableFuture<ClientAnswer> answer = new CompletableFuture<>();
    HttpClient client = Default.CLIENT.doAfterRequest((request, connection) -> sent.complete(null));
    Disposable subscription =
        answer(client, method, url).subscribe(answer::complete, answer::completeExceptionally);
    try {
      CompletableFuture.anyOf(sent, answer).get(10, TimeUnit.SECONDS);
    } catch (ExecutionException failed) {
      // the call failed (a rejected call at once): answered below with its own error
    }
    if (sent.isDone() && !answer.isDone()) {
      subscription.dispose();
      return Clients.CANCELLED;
    }
    return await(answer);
  }

  private static Mono<ClientAnswer> answer(HttpClient client, String method, String url) {
    HttpClient.RequestSender sender = client.request(HttpMethod.valueOf(method)).uri(url);
    HttpClient.ResponseReceiver<?> receiver =
        "GET".equals(method) ? sender : sender.send(ByteBufFlux.fromString(Mono.just("{}")));
    return receiver.responseSingle(
        (response, body) ->
            body.asString(StandardCharsets.UTF_8)
                .defaultIfEmpty("")
                .map(text -> new ClientAnswer(response.status().code(), headers(response), text)));
  }

  private static Map<String, String> headers(HttpClientResponse response) {
    Map<String, String> headers = new HashMap<>();
    response
        .responseHeaders()
        .forEach(e -> headers.merge(e.getKey(), e.getValue(), (a, b) -> a + "," + b));
    return headers;
  }

  /** Waits (10 s at most) for the answer, or throws the call's failure. */
  private static ClientAnswer await(CompletableFuture<ClientAnswer> answer) throws Exception {
    try {
      return answer.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }
}
