package io.sluice.javaagent.testapp;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Vert.x {@code WebClient} styles (test app styles {@code vertx-webclient} and {@code
 * vertx-webclient-failing-stream}), run by the apps on the Vert.x release its {@code
 * vertx-web-client} belongs to ({@code Vertx50HttpClientIT}). {@code WebClient} follows redirects
 * itself (on by default), each hop a request of its own.
 */
final class VertxWebClients {

  private VertxWebClients() {}

  private static final class Holder {
    static final Vertx VERTX = Vertx.vertx();
    static final WebClient CLIENT = WebClient.create(VERTX);
  }

  /** {@code requestAbs(method, url).send()}: the final response's status, headers and body. */
  static ClientAnswer send(String method, String url) throws Exception {
    return await(Holder.CLIENT.requestAbs(HttpMethod.valueOf(method), url).send());
  }

  /**
   * {@code requestAbs(method, url).sendStream(body)} with a body stream of the app's that hands
   * over one chunk and then fails with the app's {@code IOException} ({@link
   * RequestBodyClients#APP_BODY_FAILED}). {@code WebClient} pipes it into the request without
   * ending the request on failure and resets the request with that failure instead; the app's call
   * then fails, as Vert.x fails the response of a request reset before its answer. A call without
   * an answer within the wait fails with a {@code TimeoutException}.
   */
  static ClientAnswer sendFailingStream(String method, String url) throws Exception {
    return await(
        Holder.CLIENT
            .requestAbs(HttpMethod.valueOf(method), url)
            .sendStream(
                new FailingBodyStream(
                    Holder.VERTX, () -> new IOException(RequestBodyClients.APP_BODY_FAILED))));
  }

  /** Waits (10 s at most) for {@code call}'s final response, or throws its failure. */
  private static ClientAnswer await(Future<HttpResponse<Buffer>> call) throws Exception {
    CompletableFuture<ClientAnswer> answer = new CompletableFuture<>();
    call.onComplete(
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
