package io.sluice.javaagent.testapp;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.streams.ReadStream;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Vert.x proxy of the app's (test app style {@code vertx-forwarded-body}): a server that forwards
 * each request it serves as the body of a client request of its own, the way proxies do it: it
 * pauses the request it serves while it makes its own, then hands it to {@code send(ReadStream)},
 * whose pipe resumes it and reads it to its end. The app calls that server with a body, and the
 * call's URL is where the server forwards to.
 */
final class VertxForwardingClients {

  /**
   * The header of the proxy's answer that tells how much of the request it forwarded its own
   * request had read when the response came, and whether that request had ended: {@code 49152
   * bytes, ended} once it was read to its end, {@code 0 bytes, not ended} when nothing read it.
   */
  static final String FORWARDED_READ = "x-sluice-test-forwarded-read";

  /** The body the app sends its own server, which the server forwards: three chunks of 16 KiB. */
  static final int BODY_SIZE = 3 * 16 * 1024;

  private VertxForwardingClients() {}

  private static final class Holder {
    static final Vertx VERTX = Vertx.vertx();
    static final HttpClient CLIENT = VERTX.createHttpClient();
  }

  /**
   * Starts the app's server, calls it with a {@link #BODY_SIZE} body and answers what the server
   * answered: the status, headers and body of the response to its forwarded request, with {@link
   * #FORWARDED_READ}; a forwarded request that failed is answered 502 with the failure as the body.
   */
  static ClientAnswer forward(String method, String url) throws Exception {
    URI target = URI.create(url);
    HttpServer server =
        Holder.VERTX
            .createHttpServer()
            .requestHandler(served -> forward(served, method, target))
            .listen(0, "127.0.0.1")
            .await(10, TimeUnit.SECONDS);
    try {
      return Clients.awaitVertx(
          Holder.CLIENT
              .request(
                  new RequestOptions()
                      .setMethod(HttpMethod.POST)
                      .setHost("127.0.0.1")
                      .setPort(server.actualPort())
                      .setURI("/forward"))
              .compose(request -> request.send(Buffer.buffer(new byte[BODY_SIZE])))
              .compose(VertxForwardingClients::answer));
    } finally {
      server.close().await(10, TimeUnit.SECONDS);
    }
  }

  /** The server's handler: forwards {@code served} to {@code target}, paused until it is sent. */
  private static void forward(HttpServerRequest served, String method, URI target) {
    served.pause();
    Observed body = new Observed(served);
    Holder.CLIENT
        .request(
            new RequestOptions()
                .setMethod(HttpMethod.valueOf(method))
                .setHost(target.getHost())
                .setPort(target.getPort())
                .setURI(target.getRawPath()))
        .compose(request -> request.send(body))
        .compose(
            response -> {
              // what the request had read when its response came
              String read = body.read + " bytes, " + (body.ended ? "ended" : "not ended");
              return response.body().map(content -> new Forwarded(response, read, content));
            })
        .onComplete(
            (forwarded, failure) -> {
              if (failure != null) {
                served.response().setStatusCode(502).end(String.valueOf(failure));
                return;
              }
              served.response().setStatusCode(forwarded.response.statusCode());
              forwarded
                  .response
                  .headers()
                  .forEach((name, value) -> served.response().putHeader(name, value));
              served
                  .response()
                  .putHeader(FORWARDED_READ, forwarded.read)
                  .putHeader("content-length", String.valueOf(forwarded.content.length()))
                  .end(forwarded.content);
            });
  }

  private record Forwarded(HttpClientResponse response, String read, Buffer content) {}

  private static Future<ClientAnswer> answer(HttpClientResponse response) {
    return response
        .body()
        .map(
            body -> {
              Map<String, String> headers = new HashMap<>();
              response
                  .headers()
                  .forEach(e -> headers.merge(e.getKey(), e.getValue(), (a, b) -> a + "," + b));
              return new ClientAnswer(response.statusCode(), headers, body.toString());
            });
  }

  /**
   * The request the server forwards, as the forwarding request's pipe reads it: what it was handed
   * and whether its end came. Read and written on the server's event loop only.
   */
  private static final class Observed implements ReadStream<Buffer> {
    private final ReadStream<Buffer> source;
    long read;
    boolean ended;

    Observed(ReadStream<Buffer> source) {
      this.source = source;
    }

    @Override
    public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
      source.exceptionHandler(handler);
      return this;
    }

    @Override
    public ReadStream<Buffer> handler(Handler<Buffer> handler) {
      source.handler(
          handler == null
              ? null
              : chunk -> {
                read += chunk.length();
                handler.handle(chunk);
              });
      return this;
    }

    @Override
    public ReadStream<Buffer> pause() {
      source.pause();
      return this;
    }

    @Override
    public ReadStream<Buffer> resume() {
      source.resume();
      return this;
    }

    @Override
    public ReadStream<Buffer> fetch(long amount) {
      source.fetch(amount);
      return this;
    }

    @Override
    public ReadStream<Buffer> endHandler(Handler<Void> handler) {
      source.endHandler(
          handler == null
              ? null
              : end -> {
                ended = true;
                handler.handle(end);
              });
      return this;
    }
  }
}
