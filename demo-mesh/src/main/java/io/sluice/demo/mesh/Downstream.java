package io.sluice.demo.mesh;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.net.URI;
import java.time.Duration;

/**
 * One dependency of a service, called with Vert.x's {@link WebClient} so that the Sluice agent's
 * tracing and breaker instrumentation of Vert.x clients applies to it, unchanged.
 *
 * <p>The future it returns never fails: every way a call can end is a {@link DownstreamOutcome}.
 */
final class Downstream {
  private final String name;
  private final WebClient client;
  private final URI baseUrl;
  private final long timeoutMillis;

  Downstream(String name, WebClient client, URI baseUrl, Duration timeout) {
    this.name = name;
    this.client = client;
    this.baseUrl = baseUrl;
    this.timeoutMillis = timeout.toMillis();
  }

  /** Calls {@code path} (already safe for a URL) with an optional JSON body. */
  Future<DownstreamOutcome> call(HttpMethod method, String path, JsonObject body) {
    Future<HttpResponse<Buffer>> sent;
    try {
      HttpRequest<Buffer> request =
          client.requestAbs(method, baseUrl + path).timeout(timeoutMillis);
      sent = body == null ? request.send() : request.sendJsonObject(body);
    } catch (RuntimeException rejected) {
      // Whatever is attached to the client may refuse the call before a future exists.
      sent = Future.failedFuture(rejected);
    }
    return sent.map(response -> DownstreamOutcome.fromResponse(name, response))
        .otherwise(failure -> DownstreamOutcome.fromFailure(name, failure));
  }
}
