package io.sluice.javaagent.it;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback server that speaks HTTP/2 without TLS ({@code h2c}), for clients that upgrade a
 * plain-text connection to HTTP/2 (the JDK client asked for {@code HTTP_2}), and HTTP/1.1 to the
 * others: a Vert.x server, which takes the upgrade on its own. Answers every request with 200 and
 * the protocol version it came over, once it has read the request's body (or the body failed), and
 * its trace headers as {@code x-seen-traceparent}, {@code x-seen-x-b3-traceid} and {@code
 * x-seen-x-b3-spanid}.
 */
final class H2cDownstream implements AutoCloseable {

  private final Vertx vertx;
  private final HttpServer server;
  private final AtomicInteger requests = new AtomicInteger();

  private H2cDownstream(Vertx vertx, HttpServer server) {
    this.vertx = vertx;
    this.server = server;
  }

  static H2cDownstream start() throws Exception {
    Vertx vertx = Vertx.vertx();
    H2cDownstream[] started = new H2cDownstream[1];
    HttpServer server =
        vertx
            .createHttpServer(
                new HttpServerOptions().setHost("127.0.0.1").setHttp2ClearTextEnabled(true))
            .requestHandler(
                request -> {
                  started[0].requests.incrementAndGet();
                  request
                      .body()
                      .onComplete(
                          body ->
                              echoTraceHeaders(request)
                                  .setStatusCode(200)
                                  .end("h2c downstream " + request.version()));
                });
    H2cDownstream downstream = new H2cDownstream(vertx, server);
    started[0] = downstream;
    server.listen(0).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    return downstream;
  }

  /** The trace headers the request came with, each answered as {@code x-seen-<name>}. */
  private static HttpServerResponse echoTraceHeaders(HttpServerRequest request) {
    HttpServerResponse response = request.response();
    for (String name : List.of("traceparent", "x-b3-traceid", "x-b3-spanid")) {
      String value = request.getHeader(name);
      if (value != null) {
        response.putHeader("x-seen-" + name, value);
      }
    }
    return response;
  }

  String url(String path) {
    return "http://127.0.0.1:" + port() + path;
  }

  int port() {
    return server.actualPort();
  }

  /** How many requests reached the server (their heads), over either protocol. */
  int requestCount() {
    return requests.get();
  }

  @Override
  public void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
