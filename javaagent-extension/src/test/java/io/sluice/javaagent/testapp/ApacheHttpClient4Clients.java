package io.sluice.javaagent.testapp;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.http.Header;
import org.apache.http.HttpRequestInterceptor;
import org.apache.http.client.config.RequestConfig;
import org.apache.http.client.methods.CloseableHttpResponse;
import org.apache.http.client.methods.HttpRequestBase;
import org.apache.http.client.methods.RequestBuilder;
import org.apache.http.client.protocol.HttpClientContext;
import org.apache.http.impl.client.CloseableHttpClient;
import org.apache.http.impl.client.DefaultHttpClient;
import org.apache.http.impl.client.HttpClients;
import org.apache.http.util.EntityUtils;

/**
 * The Apache HttpClient 4.x client styles (beside {@link Clients}, whose HttpClient 5 types have
 * the same simple names).
 */
final class ApacheHttpClient4Clients {

  private static final class Default {
    static final CloseableHttpClient CLIENT = HttpClients.createDefault();
  }

  /**
   * The deprecated {@code DefaultHttpClient} family ({@code AbstractHttpClient}), still found in
   * older SDKs and apps.
   */
  @SuppressWarnings("deprecation")
  private static final class Legacy {
    static final CloseableHttpClient CLIENT = new DefaultHttpClient();
  }

  /** The deprecated family on its deprecated pool, of one connection (waited for without end). */
  @SuppressWarnings("deprecation")
  private static final class LegacyWaitingPool {
    static final CloseableHttpClient CLIENT = new DefaultHttpClient(legacyOneConnection());

    private static org.apache.http.impl.conn.PoolingClientConnectionManager legacyOneConnection() {
      org.apache.http.impl.conn.PoolingClientConnectionManager pool =
          new org.apache.http.impl.conn.PoolingClientConnectionManager();
      pool.setMaxTotal(1);
      pool.setDefaultMaxPerRoute(1);
      return pool;
    }
  }

  /** A client whose request interceptor, the app's own code, throws. */
  private static final class FailingInterceptor {
    static final CloseableHttpClient CLIENT =
        HttpClients.custom()
            .addInterceptorLast(
                (HttpRequestInterceptor)
                    (request, context) -> {
                      throw new IllegalStateException(Clients.APP_INTERCEPTOR_FAILED);
                    })
            .build();
  }

  /**
   * A client whose request interceptor, the app's own code, fails with an {@code IOException};
   * without retries, which would ask the interceptor three times more.
   */
  private static final class FailingIoInterceptor {
    static final CloseableHttpClient CLIENT =
        HttpClients.custom()
            .disableAutomaticRetries()
            .addInterceptorFirst(
                (HttpRequestInterceptor)
                    (request, context) -> {
                      throw new IOException(Clients.APP_SIGNING_FAILED);
                    })
            .build();
  }

  /** A client whose response interceptor, the app's own code, refuses every response. */
  private static final class FailingResponseInterceptor {
    static final CloseableHttpClient CLIENT =
        HttpClients.custom()
            .addInterceptorLast(
                (org.apache.http.HttpResponseInterceptor)
                    (response, context) -> {
                      throw new org.apache.http.ProtocolException(
                          Clients.APP_RESPONSE_CHECK_FAILED);
                    })
            .build();
  }

  /** A client whose pool holds one connection, and waits 100 ms at most for it. */
  private static final class OneConnection {
    static final CloseableHttpClient CLIENT = oneConnection(100);
  }

  /** A client whose pool holds one connection, and waits up to 10 s for it. */
  private static final class WaitingPool {
    static final CloseableHttpClient CLIENT = oneConnection(10_000);
  }

  /** A client whose pool holds one connection, and waits {@code waitMillis} at most for it. */
  private static CloseableHttpClient oneConnection(int waitMillis) {
    return HttpClients.custom()
        .setMaxConnTotal(1)
        .setMaxConnPerRoute(1)
        .setDefaultRequestConfig(
            RequestConfig.custom().setConnectionRequestTimeout(waitMillis).build())
        .build();
  }

  /** What {@code HttpClients.createMinimal()} builds: {@code MinimalHttpClient}. */
  private static final class Minimal {
    static final CloseableHttpClient CLIENT = HttpClients.createMinimal();
  }

  /** Tells the caller, through its context, that a request is about to be sent. */
  private static final class Cancelling {
    static final String SENT = "test.app.sent";
    static final CloseableHttpClient CLIENT =
        HttpClients.custom()
            .addInterceptorLast(
                (HttpRequestInterceptor)
                    (request, context) -> {
                      if (context.getAttribute(SENT) instanceof CompletableFuture<?> sent) {
                        sent.complete(null);
                      }
                    })
            .build();
  }

  private ApacheHttpClient4Clients() {}

  private static HttpRequestBase request(String method, String url) {
    return (HttpRequestBase) RequestBuilder.create(method).setUri(url).build();
  }

  /**
   * {@code execute} with a {@code ResponseHandler} ({@link #cancel} uses the overload answering the
   * {@code CloseableHttpResponse}, as Spring's HttpComponents request factory does).
   */
  static ClientAnswer failingInterceptor(String method, String url) throws Exception {
    return execute(FailingInterceptor.CLIENT, method, url);
  }

  static ClientAnswer failingIoInterceptor(String method, String url) throws Exception {
    return execute(FailingIoInterceptor.CLIENT, method, url);
  }

  static ClientAnswer failingResponseInterceptor(String method, String url) throws Exception {
    return execute(FailingResponseInterceptor.CLIENT, method, url);
  }

  /**
   * A request of HttpClient's core API ({@code BasicHttpRequest}, with the target given apart)
   * whose request line is no {@code java.net.URI}: {@code url}'s path followed by {@code /{raw}}
   * ({@code URI.create} refuses the braces). HttpClient sends it as it is.
   */
  static ClientAnswer rawRequestLine(String method, String url) throws Exception {
    java.net.URI parsed = java.net.URI.create(url);
    org.apache.http.HttpHost target =
        new org.apache.http.HttpHost(parsed.getHost(), parsed.getPort(), parsed.getScheme());
    org.apache.http.message.BasicHttpRequest request =
        new org.apache.http.message.BasicHttpRequest(method, parsed.getRawPath() + "/{raw}");
    try (CloseableHttpResponse response = Default.CLIENT.execute(target, request)) {
      String body = response.getEntity() == null ? "" : EntityUtils.toString(response.getEntity());
      return new ClientAnswer(response.getStatusLine().getStatusCode(), Map.of(), body);
    }
  }

  static ClientAnswer classic(String method, String url) throws Exception {
    return execute(Default.CLIENT, method, url);
  }

  /** As {@link #classic}, with the deprecated {@code DefaultHttpClient}. */
  static ClientAnswer legacy(String method, String url) throws Exception {
    return execute(Legacy.CLIENT, method, url);
  }

  /** As {@link #classic}, with the minimal client. */
  static ClientAnswer minimal(String method, String url) throws Exception {
    return execute(Minimal.CLIENT, method, url);
  }

  /**
   * Holds its pool's one connection (a response it has not closed yet) and asks again: the second
   * request fails with the pool's {@code ConnectionPoolTimeoutException}, having never left.
   */
  static ClientAnswer poolExhausted(String method, String url) throws Exception {
    try (CloseableHttpResponse held = OneConnection.CLIENT.execute(request("GET", url))) {
      return execute(OneConnection.CLIENT, method, url);
    }
  }

  /**
   * Holds its pool's one connection and asks again from a thread the app has interrupted (as {@code
   * Future.cancel(true)} does): the wait for the pool fails at once ({@code
   * RequestAbortedException}, an {@code InterruptedIOException}).
   */
  static ClientAnswer interrupted(String method, String url) throws Exception {
    try (CloseableHttpResponse held = OneConnection.CLIENT.execute(request("GET", url))) {
      return Clients.interrupted(() -> execute(OneConnection.CLIENT, method, url));
    }
  }

  /**
   * Holds its pool's one connection (a response it has not closed yet) for {@link
   * Clients#POOL_HOLD_MILLIS} on another thread and asks again meanwhile: the second request waits
   * that long for the connection, then is answered at once.
   */
  static ClientAnswer poolWait(String method, String url) throws Exception {
    return poolWait(WaitingPool.CLIENT, method, url);
  }

  /** As {@link #poolWait}, with the deprecated {@code DefaultHttpClient} on its deprecated pool. */
  static ClientAnswer legacyPoolWait(String method, String url) throws Exception {
    return poolWait(LegacyWaitingPool.CLIENT, method, url);
  }

  private static ClientAnswer poolWait(CloseableHttpClient client, String method, String url)
      throws Exception {
    CloseableHttpResponse held = client.execute(request("GET", url));
    CompletableFuture<Void> released = Clients.closeLater(held);
    try {
      return execute(client, method, url);
    } finally {
      released.get(10, TimeUnit.SECONDS);
    }
  }

  private static ClientAnswer execute(CloseableHttpClient client, String method, String url)
      throws IOException {
    return client.execute(
        request(method, url),
        response -> {
          Map<String, String> headers = new HashMap<>();
          for (Header header : response.getAllHeaders()) {
            headers.merge(header.getName(), header.getValue(), (a, b) -> a + "," + b);
          }
          String body =
              response.getEntity() == null ? "" : EntityUtils.toString(response.getEntity());
          return new ClientAnswer(response.getStatusLine().getStatusCode(), headers, body);
        });
  }

  /**
   * Executes a request in another thread and aborts it ({@code HttpRequestBase#abort}) once the
   * client started sending it; answers {@code cancelled} when the abort failed the call.
   */
  static ClientAnswer cancel(String method, String url) throws Exception {
    HttpRequestBase request = request(method, url);
    CompletableFuture<Void> sent = new CompletableFuture<>();
    HttpClientContext context = HttpClientContext.create();
    context.setAttribute(Cancelling.SENT, sent);
    CompletableFuture<ClientAnswer> answer =
        CompletableFuture.supplyAsync(
            () -> {
              // execute without a handler: the CloseableHttpResponse overload
              try (CloseableHttpResponse response = Cancelling.CLIENT.execute(request, context)) {
                EntityUtils.consume(response.getEntity());
                return new ClientAnswer(response.getStatusLine().getStatusCode(), Map.of(), "");
              } catch (IOException e) {
                throw new CompletionException(e);
              }
            });
    CompletableFuture.anyOf(sent, answer).get(10, TimeUnit.SECONDS);
    if (sent.isDone()) {
      request.abort();
    }
    try {
      return answer.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (sent.isDone() && request.isAborted()) {
        return Clients.CANCELLED;
      }
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }

  /**
   * A POST whose entity ({@code EntityTemplate}) the app's own producer fails to write: one byte,
   * then the app's {@code IOException}. The entity is repeatable, so the client may try again.
   */
  static ClientAnswer failingBody(String method, String url) throws Exception {
    return post(
        url,
        out -> {
          out.write('{');
          throw new IOException(RequestBodyClients.APP_BODY_FAILED);
        });
  }

  /** A POST of a large chunked entity the app's producer writes until done or a write fails. */
  static ClientAnswer streamingBody(String method, String url) throws Exception {
    return post(
        url,
        out -> {
          byte[] chunk = new byte[64 * 1024];
          for (long written = 0; written < RequestBodyClients.LARGE_BODY; written += chunk.length) {
            out.write(chunk);
          }
        });
  }

  private static ClientAnswer post(String url, org.apache.http.entity.ContentProducer body)
      throws IOException {
    HttpRequestBase request =
        (HttpRequestBase)
            RequestBuilder.post(url)
                .setEntity(new org.apache.http.entity.EntityTemplate(body))
                .build();
    return Default.CLIENT.execute(
        request,
        response ->
            new ClientAnswer(
                response.getStatusLine().getStatusCode(),
                Map.of(),
                response.getEntity() == null ? "" : EntityUtils.toString(response.getEntity())));
  }
}
