package io.sluice.benchmarks.system;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.ExecutionException;

/**
 * The service the agent overhead benchmark runs three ways (no agent, upstream agent, Sluice
 * agent): a Vert.x HTTP server whose every request makes one outgoing call with the JDK {@code
 * HttpClient} (which the Sluice extension guards with a breaker) to a stub, and answers with the
 * stub's status. Arguments: {@code <port> <stub base URL>}.
 */
public final class OverheadService {

  private OverheadService() {}

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    String stub = args[1];
    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    Vertx vertx = Vertx.vertx();
    HttpServer server =
        vertx
            .createHttpServer()
            .requestHandler(
                request -> {
                  HttpRequest call =
                      HttpRequest.newBuilder(URI.create(stub + "/pay/" + request.path().length()))
                          .timeout(Duration.ofSeconds(10))
                          .build();
                  client
                      .sendAsync(call, HttpResponse.BodyHandlers.ofString())
                      .whenComplete(
                          (response, error) -> {
                            if (error != null) {
                              request.response().setStatusCode(502).end(String.valueOf(error));
                            } else {
                              request
                                  .response()
                                  .setStatusCode(response.statusCode())
                                  .end("paid " + response.body());
                            }
                          });
                });
    try {
      server.listen(port, "127.0.0.1").toCompletionStage().toCompletableFuture().get();
    } catch (ExecutionException e) {
      // Vert.x's non-daemon threads would keep this JVM up until the benchmark's start-up deadline:
      // exit, so that the benchmark sees a dead service and prints this log at once.
      System.err.println("overhead service could not listen on " + port + ": " + e.getCause());
      System.exit(1);
    }
    System.out.println("overhead service listening on " + port);
  }
}
