package io.sluice.javaagent.testapp;

import io.vertx.core.Vertx;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.hc.client5.http.async.methods.SimpleHttpRequest;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;

/**
 * Clients the breakers do not guard, for {@code UnguardedClientsIT}: Apache HttpClient 5's async
 * client, Apache HttpAsyncClient 4, Jetty's {@code HttpClient}, and a Vert.x {@code HttpClient}
 * made on whatever Vert.x the app runs on (Vert.x 4 there).
 */
final class UnguardedClientStyles {

  private UnguardedClientStyles() {}

  /** One request through a new Apache HttpClient 5 async client ({@code apache-async}). */
  static ClientAnswer apacheAsync(String method, String url) throws Exception {
    return oneRequest(HttpAsyncClients.createDefault(), method, url);
  }

  /**
   * One request through a new minimal Apache HttpClient 5 async client ({@code
   * apache-async-minimal}).
   */
  static ClientAnswer apacheAsyncMinimal(String method, String url) throws Exception {
    return oneRequest(HttpAsyncClients.createMinimal(), method, url);
  }

  /** Starts {@code client}, makes one request with it and closes it. */
  private static ClientAnswer oneRequest(CloseableHttpAsyncClient client, String method, String url)
      throws Exception {
    try (client) {
      client.start();
      SimpleHttpResponse response =
          client
              .execute(SimpleHttpRequest.create(method, URI.create(url)), null)
              .get(10, TimeUnit.SECONDS);
      String body = response.getBodyText();
      return new ClientAnswer(response.getCode(), Map.of(), body == null ? "" : body);
    }
  }

  /** One request through a new Apache HttpAsyncClient 4 client ({@code apache4-async}). */
  static ClientAnswer apache4Async(String method, String url) throws Exception {
    return oneRequest(
        org.apache.http.impl.nio.client.HttpAsyncClients.createDefault(), method, url);
  }

  /**
   * One request through a new minimal Apache HttpAsyncClient 4 client ({@code
   * apache4-async-minimal}).
   */
  static ClientAnswer apache4AsyncMinimal(String method, String url) throws Exception {
    return oneRequest(
        org.apache.http.impl.nio.client.HttpAsyncClients.createMinimal(), method, url);
  }

  /** Starts {@code client}, makes one request with it and closes it. */
  private static ClientAnswer oneRequest(
      org.apache.http.impl.nio.client.CloseableHttpAsyncClient client, String method, String url)
      throws Exception {
    try (client) {
      client.start();
      org.apache.http.HttpResponse response =
          client
              .execute(
                  org.apache.http.client.methods.RequestBuilder.create(method).setUri(url).build(),
                  null)
              .get(10, TimeUnit.SECONDS);
      return new ClientAnswer(
          response.getStatusLine().getStatusCode(),
          Map.of(),
          org.apache.http.util.EntityUtils.toString(response.getEntity()));
    }
  }

  /** One request through a new Jetty {@code HttpClient} ({@code jetty}). */
  static ClientAnswer jetty(String method, String url) throws Exception {
    org.eclipse.jetty.client.HttpClient client = new org.eclipse.jetty.client.HttpClient();
    client.start();
    try {
      org.eclipse.jetty.client.ContentResponse response =
          client.newRequest(url).method(method).timeout(10, TimeUnit.SECONDS).send();
      return new ClientAnswer(response.getStatus(), Map.of(), response.getContentAsString());
    } finally {
      client.stop();
    }
  }

  /**
   * Makes a Vert.x {@code HttpClient} and closes its Vert.x, calling nothing ({@code
   * vertx-client-made}); {@code createHttpClient} by reflection: it answers an {@code HttpClient}
   * in Vert.x 4 and an {@code HttpClientAgent} in 5, a method this class, compiled against 5, would
   * not find in 4. Answers the client's class.
   */
  static ClientAnswer vertxClientMade(String method, String url) throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      Object client = Vertx.class.getMethod("createHttpClient").invoke(vertx);
      return new ClientAnswer(200, Map.of(), client.getClass().getName());
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }
}
