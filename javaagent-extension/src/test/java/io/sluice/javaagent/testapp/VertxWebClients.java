package io.sluice.javaagent.testapp;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Vert.x {@code WebClient} styles (test app style {@code vertx-webclient}), run by the apps on the
 * Vert.x release its {@code vertx-web-client} belongs to ({@code Vertx50HttpClientIT}). {@code
 * WebClient} follows redirects itself (on by default), each hop a request of its own.
 */
final class VertxWebClients {

  private VertxWebClients() {}

  private static final class Holder {
    static final Vertx VERTX = Vertx.vertx();
    static final WebClient CLIENT = WebClient.create(VERTX);
  }

  /** {@code requestAbs(method, url).send()}: the final response's status, headers and body. */
  static ClientAnswer send(String method, String url) throws Exception {
    CompletableFuture<ClientAnswer> answer = new CompletableFuture<>();
    Holder.CLIENT
        .requestAbs(HttpMethod.valueOf(method), url)
        .send()
        .onComplete(
            (response, failure) -> {
              if (failure != null) {
                answer.completeExceptionally(failure);
              } else {
                answer.complete(answer(response));
              }
            });
    try {
      return answer.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception ? (Exception) e.getCause() : e;
    }
  }

  private static ClientAnswer answer(HttpResponse<io.vertx.core.buffer.Buffer> response) {
    Map<String, String> headers = new HashMap<>();
    response
        .headers()
        .forEach(
            header -> headers.merge(header.getKey(), header.getValue(), (a, b) -> a + "," + b));
    String body = response.bodyAsString();
    return new ClientAnswer(response.statusCode(), headers, body == null ? "" : body);
  }
}
