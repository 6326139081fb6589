package io.sluice.javaagent.testapp;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.streams.ReadStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.URI;
import java.net.URL;
import java.net.URLConnection;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.EventListener;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.util.Timeout;

/** Every client style the test app can call with, by name. */
final class Clients {

  /** One way to make an outgoing call. */
  interface Client {
    ClientAnswer call(String method, String url) throws Exception;
  }

  // One holder per client library, so a library missing from the class path fails only its style.
  // Every client follows redirects, as OkHttp and Apache do by default.
  private static final class Jdk {
    static final HttpClient CLIENT =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();
  }

  private static final class Ok {
    static final OkHttpClient CLIENT =
        new OkHttpClient.Builder().retryOnConnectionFailure(false).build();
  }

  /**
   * OkHttp with a call timeout of 800 ms of which the app's own interceptor uses up 300 ms before
   * the request is sent, as one that fetches a token or retries would: OkHttp counts its call
   * timeout from {@code execute}, before the app's interceptors run.
   */
  private static final class OkLateTimeout {
    static final OkHttpClient CLIENT =
        Ok.CLIENT
            .newBuilder()
            .callTimeout(800, TimeUnit.MILLISECONDS)
            .addInterceptor(
                chain -> {
                  try {
                    Thread.sleep(300); // the app's own work before the request
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted");
                  }
                  return chain.proceed(chain.request());
                })
            .build();
  }

  private static final class Apache {
    static final CloseableHttpClient CLIENT = HttpClients.createDefault();
  }

  /** What the app's own failing interceptors throw ({@code *-failing-interceptor} styles). */
  static final String APP_INTERCEPTOR_FAILED = "the app's interceptor failed";

  /**
   * OkHttp whose network interceptor, the app's own code, throws an unchecked exception: the client
   * runs it on the connection it opened, before the request is written.
   */
  private static final class OkFailingInterceptor {
    static final OkHttpClient CLIENT =
        Ok.CLIENT
            .newBuilder()
            .addNetworkInterceptor(
                chain -> {
                  throw new IllegalStateException(APP_INTERCEPTOR_FAILED);
                })
            .build();
  }

  /** What the app's failing authenticator throws ({@code okhttp-failing-authenticator}). */
  static final String APP_AUTHENTICATOR_FAILED = "the app's token refresh failed";

  /**
   * OkHttp whose authenticator, the app's own code, fails with an {@code IOException} for every 401
   * (a token refresh whose auth server is down).
   */
  private static final class OkFailingAuthenticator {
    static final OkHttpClient CLIENT =
        Ok.CLIENT
            .newBuilder()
            .authenticator(
                (route, response) -> {
                  throw new IOException(APP_AUTHENTICATOR_FAILED);
                })
            .build();
  }

  /** Apache HttpClient 5 whose request interceptor, the app's own code, throws. */
  private static final class ApacheFailingInterceptor {
    static final CloseableHttpClient CLIENT =
        HttpClients.custom()
            .addRequestInterceptorLast(
                (request, entity, context) -> {
                  throw new IllegalStateException(APP_INTERCEPTOR_FAILED);
                })
            .build();
  }

  /**
   * What the app's request interceptor that fails with an {@code IOException} throws ({@code
   * *-failing-io-interceptor} styles): a signing interceptor whose key store is away.
   */
  static final String APP_SIGNING_FAILED = "the app's request signing failed";

  /**
   * What the app's response interceptor throws, the client's own {@code ProtocolException} ({@code
   * *-failing-response-interceptor} styles): a check of the app's on the response.
   */
  static final String APP_RESPONSE_CHECK_FAILED = "the app's response check failed";

  /**
   * Apache HttpClient 5 whose request interceptor, the app's own code, fails with an {@code
   * IOException}; without retries, which would ask the interceptor again a second later.
   */
  private static final class ApacheFailingIoInterceptor {
    static final CloseableHttpClient CLIENT =
        HttpClients.custom()
            .disableAutomaticRetries()
            .addRequestInterceptorFirst(
                (request, entity, context) -> {
                  throw new IOException(APP_SIGNING_FAILED);
                })
            .build();
  }

  /** Apache HttpClient 5 whose response interceptor, the app's own code, refuses every response. */
  private static final class ApacheFailingResponseInterceptor {
    static final CloseableHttpClient CLIENT =
        HttpClients.custom()
            .addResponseInterceptorLast(
                (response, entity, context) -> {
                  throw new org.apache.hc.core5.http.ProtocolException(APP_RESPONSE_CHECK_FAILED);
                })
            .build();
  }

  /** A client whose pool holds one connection, and waits 100 ms at most for it. */
  private static final class ApacheOneConnection {
    static final CloseableHttpClient CLIENT = apacheOneConnection(Timeout.ofMilliseconds(100));
  }

  /** A client whose pool holds one connection, and waits up to 10 s for it. */
  private static final class ApacheWaitingPool {
    static final CloseableHttpClient CLIENT = apacheOneConnection(Timeout.ofSeconds(10));
  }

  /** A client whose pool holds one connection, and waits {@code wait} at most for it. */
  private static CloseableHttpClient apacheOneConnection(Timeout wait) {
    return HttpClients.custom()
        .setConnectionManager(
            PoolingHttpClientConnectionManagerBuilder.create()
                .setMaxConnTotal(1)
                .setMaxConnPerRoute(1)
                .build())
        .setDefaultRequestConfig(RequestConfig.custom().setConnectionRequestTimeout(wait).build())
        .build();
  }

  /** What {@code HttpClients.createMinimal()} builds: {@code MinimalHttpClient}. */
  private static final class ApacheMinimal {
    static final CloseableHttpClient CLIENT = HttpClients.createMinimal();
  }

  /** Tells the caller, through its context, that a request is about to be sent. */
  private static final class ApacheCancelling {
    static final String SENT = "test.app.sent";
    static final CloseableHttpClient CLIENT =
        HttpClients.custom()
            .addRequestInterceptorLast(
                (request, entity, context) -> {
                  if (context.getAttribute(SENT) instanceof CompletableFuture<?> sent) {
                    sent.complete(null);
                  }
                })
            .build();
  }

  /** OkHttp in a class loader of its own that delegates only the JDK (see IsolatingClassLoader). */
  private static final class Isolated {
    static final java.lang.reflect.Method CALL = isolatedCall();

    private static java.lang.reflect.Method isolatedCall() {
      try {
        List<java.net.URL> urls = new java.util.ArrayList<>();
        urls.add(IsolatedOkHttp.class.getProtectionDomain().getCodeSource().getLocation());
        for (String entry :
            System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
          String file = java.nio.file.Path.of(entry).getFileName().toString();
          if (file.startsWith("okhttp") || file.startsWith("okio") || file.startsWith("kotlin")) {
            urls.add(java.nio.file.Path.of(entry).toUri().toURL());
          }
        }
        ClassLoader loader = new IsolatingClassLoader(urls.toArray(new java.net.URL[0]));
        Class<?> isolated = loader.loadClass(IsolatedOkHttp.class.getName());
        String okHttpLoader = (String) isolated.getMethod("okHttpLoader").invoke(null);
        if (isolated.getClassLoader() != loader || !"isolated".equals(okHttpLoader)) {
          throw new IllegalStateException("OkHttp is not isolated: loaded by " + okHttpLoader);
        }
        return isolated.getMethod("call", String.class, String.class);
      } catch (ReflectiveOperationException | java.io.IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private static final class VertxClient {
    static final Vertx VERTX = Vertx.vertx();
    static final io.vertx.core.http.HttpClient CLIENT = VERTX.createHttpClient();

    /** Clients whose default host and port are the key's ({@code host:port}). */
    static final Map<String, io.vertx.core.http.HttpClient> WITH_DEFAULTS =
        new java.util.concurrent.ConcurrentHashMap<>();
  }

  /**
   * Trusts the test downstream's self-signed certificate for {@code 127.0.0.1}: the trusted entry
   * of the test resource the downstream serves TLS with.
   */
  private static final class Tls {
    static final SSLSocketFactory SOCKETS = sockets();

    private static SSLSocketFactory sockets() {
      char[] password = "sluice-test".toCharArray();
      try (InputStream in =
          Clients.class.getResourceAsStream("/io/sluice/javaagent/tls/downstream.p12")) {
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(in, password);
        TrustManagerFactory trust =
            TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, trust.getTrustManagers(), null);
        return tls.getSocketFactory();
      } catch (IOException | GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private Clients() {}

  /**
   * The prefix of a style run on a virtual thread of its own: {@code virtual:jdk} is {@code jdk}'s
   * call made from a new virtual thread (Java 21 and later) while the app's request thread waits
   * for its answer, as apps that serve or fan out on virtual threads make their calls.
   */
  private static final String ON_A_VIRTUAL_THREAD = "virtual:";

  static Client forName(String name) {
    if (name.startsWith(ON_A_VIRTUAL_THREAD)) {
      return onAVirtualThread(forName(name.substring(ON_A_VIRTUAL_THREAD.length())));
    }
    return switch (name) {
      case "jdk" -> Clients::jdkSend;
      case "jdk-websocket" -> Clients::jdkWebSocket;
      case "jdk-async" -> Clients::jdkSendAsync;
      case "jdk-closed" -> Clients::jdkClosed;
      case "jdk-shutdown-now" -> Clients::jdkShutDownNow;
      case "okhttp" -> Clients::okhttpExecute;
      case "okhttp-async" -> Clients::okhttpEnqueue;
      case "apache-async" -> UnguardedClientStyles::apacheAsync;
      case "apache-async-minimal" -> UnguardedClientStyles::apacheAsyncMinimal;
      case "apache4-async" -> UnguardedClientStyles::apache4Async;
      case "apache4-async-minimal" -> UnguardedClientStyles::apache4AsyncMinimal;
      case "jetty" -> UnguardedClientStyles::jetty;
      case "vertx-client-made" -> UnguardedClientStyles::vertxClientMade;
      case "okhttp-late-timeout" -> Clients::okhttpLateTimeout;
      case "okhttp-body-type" -> Clients::okhttpBodyType;
      case "apache" -> Clients::apacheClassic;
      case "apache4" -> ApacheHttpClient4Clients::classic;
      case "apache4-legacy" -> ApacheHttpClient4Clients::legacy;
      case "apache4-minimal" -> ApacheHttpClient4Clients::minimal;
      case "apache-minimal" -> Clients::apacheMinimal;
      case "apache-pool-exhausted" -> Clients::apachePoolExhausted;
      case "apache4-pool-exhausted" -> ApacheHttpClient4Clients::poolExhausted;
      case "apache-pool-wait" -> Clients::apachePoolWait;
      case "apache4-pool-wait" -> ApacheHttpClient4Clients::poolWait;
      case "apache-interrupted" -> Clients::apacheInterrupted;
      case "apache4-interrupted" -> ApacheHttpClient4Clients::interrupted;
      case "okhttp-interrupted" -> Clients::okhttpInterrupted;
      case "apache4-legacy-pool-wait" -> ApacheHttpClient4Clients::legacyPoolWait;
      case "vertx" -> Clients::vertx;
      case "vertx-webclient" -> VertxWebClients::send;
      case "vertx-webclient-failing-stream" -> VertxWebClients::sendFailingStream;
      case "vertx-defaults" -> Clients::vertxWithClientDefaults;
      case "vertx-pool-busy" -> Clients::vertxPoolBusy;
      case "vertx-pool-wait" -> Clients::vertxPoolWait;
      case "vertx-pool-busy-late" -> Clients::vertxPoolBusyOnABusyLoop;
      case "vertx-pool-closed" -> Clients::vertxPoolClosed;
      case "vertx-closed-in-flight" -> Clients::vertxClosedInFlight;
      case "vertx-bare-host" -> Clients::vertxBareHost;
      case "vertx-http3" -> Clients::vertxHttp3;
      case "okhttp-isolated" -> Clients::okhttpIsolated;
      case "jdk-async-cancel" -> Clients::jdkSendAsyncCancel;
      case "jdk-async-cancel-false" -> Clients::jdkSendAsyncCancelWithoutInterrupting;
      case "okhttp-async-cancel" -> Clients::okhttpEnqueueCancel;
      case "apache-cancel" -> Clients::apacheCancel;
      case "apache4-cancel" -> ApacheHttpClient4Clients::cancel;
      case "vertx-reset" -> Clients::vertxReset;
      case "vertx-cancel" -> Clients::vertxCancel;
      case "vertx-failing-body" -> Clients::vertxFailingBody;
      case "vertx-reset-stream" -> Clients::vertxResetStream;
      case "vertx-closed-body" -> Clients::vertxClosedBody;
      case "vertx-streaming-body" -> Clients::vertxStreamingBody;
      case "vertx-stream-body" -> Clients::vertxStreamBody;
      case "vertx-head-first" -> Clients::vertxHeadFirst;
      case "vertx-h2-stream-body" -> Clients::vertxHttp2StreamBody;
      case "vertx-written-body" -> Clients::vertxWrittenBody;
      case "vertx-forwarded-body" -> VertxForwardingClients::forward;
      case "reactor" -> ReactorNettyClients::call;
      case "reactor-cancel" -> ReactorNettyClients::cancel;
      case "reactor-remote-address" -> ReactorNettyClients::remoteAddress;
      case "webclient" -> ReactorNettyClients::webClient;
      case "webclient-cancel" -> ReactorNettyClients::webClientCancel;
      case "reactor-failing-body" -> ReactorNettyClients::failingBody;
      case "reactor-missing-file-body" -> ReactorNettyClients::missingFileBody;
      case "reactor-missing-file-sent" -> ReactorNettyClients::missingFileSent;
      case "reactor-pool-exhausted" -> ReactorNettyClients::poolExhausted;
      case "webclient-failing-body" -> ReactorNettyClients::webClientFailingBody;
      case "reactor-websocket" -> ReactorNettyClients::websocket;
      case "reactor-websocket-connect" -> ReactorNettyClients::websocketConnect;
      case "okhttp-failing-body" -> RequestBodyClients::okhttpFailingBody;
      case "jdk-failing-handler" -> Clients::jdkFailingHandler;
      case "okhttp-failing-interceptor" -> Clients::okhttpFailingInterceptor;
      case "okhttp-failing-authenticator" -> Clients::okhttpFailingAuthenticator;
      case "apache-failing-interceptor" -> Clients::apacheFailingInterceptor;
      case "apache-failing-io-interceptor" ->
          (method, url) -> apacheExecute(ApacheFailingIoInterceptor.CLIENT, method, url);
      case "apache-failing-response-interceptor" ->
          (method, url) -> apacheExecute(ApacheFailingResponseInterceptor.CLIENT, method, url);
      case "apache-raw-request-line" -> Clients::apacheRawRequestLine;
      case "apache4-raw-request-line" -> ApacheHttpClient4Clients::rawRequestLine;
      case "apache4-failing-interceptor" -> ApacheHttpClient4Clients::failingInterceptor;
      case "apache4-failing-io-interceptor" -> ApacheHttpClient4Clients::failingIoInterceptor;
      case "apache4-failing-response-interceptor" ->
          ApacheHttpClient4Clients::failingResponseInterceptor;
      case "okhttp-cache-only" -> OkHttpCacheClients::cacheOnly;
      case "okhttp-cached" -> OkHttpCacheClients::cached;
      case "okhttp-streaming-body" -> RequestBodyClients::okhttpStreamingBody;
      case "okhttp-short-body" -> RequestBodyClients::okhttpShortBody;
      case "okhttp-long-body" -> RequestBodyClients::okhttpLongBody;
      case "jdk-short-body" -> RequestBodyClients::jdkShortBody;
      case "jdk-h2-short-body" -> RequestBodyClients::jdkH2ShortBody;
      case "jdk-long-body" -> RequestBodyClients::jdkLongBody;
      case "jdk-failing-body" -> RequestBodyClients::jdkFailingBody;
      case "jdk-unwritable-file" -> RequestBodyClients::jdkUnwritableFile;
      case "jdk-streaming-body" -> RequestBodyClients::jdkStreamingBody;
      case "apache-failing-body" -> RequestBodyClients::apacheFailingBody;
      case "apache-streaming-body" -> RequestBodyClients::apacheStreamingBody;
      case "apache4-failing-body" -> ApacheHttpClient4Clients::failingBody;
      case "apache4-streaming-body" -> ApacheHttpClient4Clients::streamingBody;
      case "huc" -> Clients::urlConnection;
      case "huc-ftp-proxy" -> Clients::ftpThroughHttpProxy;
      case "huc-interrupted" -> (method, url) -> interrupted(() -> urlConnection(method, url));
      case "huc-tls" -> Clients::urlConnectionTls;
      case "huc-disconnect" -> Clients::urlConnectionDisconnect;
      case "huc-reconnect" -> Clients::urlConnectionReconnect;
      case "huc-tls-reconnect" -> Clients::urlConnectionTlsReconnect;
      case "huc-connect-failed" -> UrlConnectionRetryClients::connectFailed;
      case "huc-connect-again" -> UrlConnectionRetryClients::connectAgain;
      case "huc-read-again" -> UrlConnectionRetryClients::readAgain;
      case "huc-connect-after-response" -> UrlConnectionRetryClients::connectAfterResponse;
      case "huc-expect-connect-again" -> UrlConnectionRetryClients::expectFailedThenConnectAgain;
      case "huc-stream-disconnect-read" -> UrlConnectionRetryClients::streamDisconnectThenRead;
      case "huc-post-after-connect" -> Clients::urlConnectionPostAfterConnect;
      case "huc-stream" -> UrlConnectionStreamingClients::streamUntilFailure;
      case "huc-expect" -> UrlConnectionStreamingClients::expectContinue;
      case "huc-chunked-post" -> UrlConnectionStreamingClients::chunkedPost;
      case "huc-unfinished" -> UrlConnectionStreamingClients::unfinishedBody;
      case "huc-slow-unfinished" -> UrlConnectionStreamingClients::slowUnfinishedBody;
      case "huc-overflow" -> UrlConnectionStreamingClients::overflowingBody;
      case "huc-cached" -> UrlConnectionStreamingClients::cached;
      case "huc-slow-cached" -> UrlConnectionStreamingClients::slowCached;
      case "huc-failing-cookies" -> UrlConnectionAppCodeClients::failingCookies;
      case "huc-failing-proxy-selector" -> UrlConnectionAppCodeClients::failingProxySelector;
      case "huc-proxy-selector-refuses-uri" ->
          UrlConnectionAppCodeClients::proxySelectorRefusingTheUri;
      case "huc-trace-output" -> UrlConnectionMisuseClients::traceWithOutput;
      case "huc-streaming-without-output" -> UrlConnectionMisuseClients::streamingWithoutOutput;
      case "huc-without-input" -> UrlConnectionMisuseClients::withoutInput;
      default -> throw new IllegalArgumentException("unknown client " + name);
    };
  }

  /**
   * {@code client}'s call, made on a new virtual thread. The executor comes by reflection, as the
   * test app is built for Java 17; the agent carries the request's context to the task, as it does
   * to any executor's.
   */
  private static Client onAVirtualThread(Client client) {
    return (method, url) -> {
      ExecutorService virtualThreads =
          (ExecutorService)
              Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
      try {
        return virtualThreads
            .submit(
                () -> {
                  if (!(Boolean)
                      Thread.class.getMethod("isVirtual").invoke(Thread.currentThread())) {
                    throw new IllegalStateException("not on a virtual thread");
                  }
                  return client.call(method, url);
                })
            .get(30, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        throw unwrap(e);
      } finally {
        virtualThreads.shutdown();
      }
    };
  }

  private static HttpRequest jdkRequest(String method, String url) {
    return HttpRequest.newBuilder(URI.create(url))
        .method(
            method,
            "GET".equals(method)
                ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString("{}"))
        .timeout(Duration.ofSeconds(10))
        .build();
  }

  private static ClientAnswer jdk(HttpResponse<String> response) {
    Map<String, String> headers = new HashMap<>();
    response.headers().map().forEach((k, v) -> headers.put(k, String.join(",", v)));
    return new ClientAnswer(response.statusCode(), headers, response.body());
  }

  /**
   * {@code newWebSocketBuilder().buildAsync(url, listener)}: opens a session and ends it at once;
   * answers 101 and the body {@code websocket open}. A failed opening throws what failed it.
   */
  private static ClientAnswer jdkWebSocket(String method, String url) throws Exception {
    WebSocket socket;
    try {
      socket =
          Jdk.CLIENT
              .newWebSocketBuilder()
              .buildAsync(URI.create(url), new WebSocket.Listener() {})
              .get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
    socket.abort();
    return new ClientAnswer(101, Map.of(), "websocket open");
  }

  private static ClientAnswer jdkSend(String method, String url) throws Exception {
    return jdk(Jdk.CLIENT.send(jdkRequest(method, url), HttpResponse.BodyHandlers.ofString()));
  }

  /**
   * Sends on a JDK client the app has shut down ({@code HttpClient#shutdown}, Java 21 and later;
   * {@code close()} does the same and then waits): the JDK fails the call at once with an {@code
   * IOException} ({@code closed}), before anything leaves. Called by reflection, as the test app is
   * built for Java 17.
   */
  private static ClientAnswer jdkClosed(String method, String url) throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    HttpClient.class.getMethod("shutdown").invoke(client);
    return jdk(client.send(jdkRequest(method, url), HttpResponse.BodyHandlers.ofString()));
  }

  /**
   * Sends on a JDK client of its own and shuts it down at once with {@code HttpClient#shutdownNow}
   * (Java 21 and later), while the call is under way (the test gives a URL whose answer the server
   * holds back): the JDK fails the call with {@code IOException: shutdownNow}. Called by
   * reflection, as the test app is built for Java 17.
   */
  private static ClientAnswer jdkShutDownNow(String method, String url) throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    CompletableFuture<HttpResponse<String>> answer =
        client.sendAsync(jdkRequest(method, url), HttpResponse.BodyHandlers.ofString());
    HttpClient.class.getMethod("shutdownNow").invoke(client);
    try {
      return jdk(answer.get(10, TimeUnit.SECONDS));
    } catch (ExecutionException e) {
      throw unwrap(e);
    }
  }

  /** What the app's own failing {@code BodyHandler} throws ({@code jdk-failing-handler}). */
  static final String APP_HANDLER_FAILED = "the app's body handler failed";

  /**
   * Sends with a {@code BodyHandler} of the app's that throws an unchecked exception once the
   * response's status and headers arrived; {@code send} throws an {@code IOException} with its
   * message.
   */
  private static ClientAnswer jdkFailingHandler(String method, String url) throws Exception {
    return jdk(
        Jdk.CLIENT.<String>send(
            jdkRequest(method, url),
            info -> {
              throw new IllegalStateException(APP_HANDLER_FAILED);
            }));
  }

  private static ClientAnswer jdkSendAsync(String method, String url) throws Exception {
    try {
      return jdk(
          Jdk.CLIENT
              .sendAsync(jdkRequest(method, url), HttpResponse.BodyHandlers.ofString())
              .get(10, TimeUnit.SECONDS));
    } catch (ExecutionException e) {
      throw unwrap(e);
    }
  }

  /** What a style that cancels its call answers when the cancel took effect. */
  static final ClientAnswer CANCELLED = new ClientAnswer(0, Map.of(), "cancelled");

  /** Starts a call and cancels the future at once (a rejected call's future has failed already). */
  private static ClientAnswer jdkSendAsyncCancel(String method, String url) throws Exception {
    CompletableFuture<HttpResponse<String>> future =
        Jdk.CLIENT.sendAsync(jdkRequest(method, url), HttpResponse.BodyHandlers.ofString());
    if (future.cancel(true)) {
      return CANCELLED;
    }
    try {
      return jdk(future.get(10, TimeUnit.SECONDS));
    } catch (ExecutionException e) {
      throw unwrap(e);
    }
  }

  /**
   * Starts a call and cancels the future without interrupting ({@code cancel(false)}), as Kotlin's
   * {@code await()} does when a coroutine times out: the JDK goes on with the exchange.
   */
  private static ClientAnswer jdkSendAsyncCancelWithoutInterrupting(String method, String url)
      throws Exception {
    CompletableFuture<HttpResponse<String>> future =
        Jdk.CLIENT.sendAsync(jdkRequest(method, url), HttpResponse.BodyHandlers.ofString());
    if (future.cancel(false)) {
      return CANCELLED;
    }
    try {
      return jdk(future.get(10, TimeUnit.SECONDS));
    } catch (ExecutionException e) {
      throw unwrap(e);
    }
  }

  /** Uses only API that OkHttp 3.14 has too: OkHttp3HttpClientIT runs these styles on it. */
  @SuppressWarnings("deprecation")
  private static Request okRequest(String method, String url) {
    return new Request.Builder()
        .url(url)
        .method(
            method,
            "GET".equals(method)
                ? null
                : RequestBody.create((okhttp3.MediaType) null, new byte[] {'{', '}'}))
        .build();
  }

  private static ClientAnswer ok(Response response) throws IOException {
    try (response) {
      Map<String, String> headers = new HashMap<>();
      response.headers().toMultimap().forEach((k, v) -> headers.put(k, String.join(",", v)));
      return new ClientAnswer(response.code(), headers, response.body().string());
    }
  }

  private static ClientAnswer okhttpExecute(String method, String url) throws Exception {
    return ok(Ok.CLIENT.newCall(okRequest(method, url)).execute());
  }

  /**
   * As {@code okhttp}, answering the response body's own media type ({@code
   * ResponseBody#contentType}: {@code type/subtype}, or {@code none}) as the answer's body.
   */
  private static ClientAnswer okhttpBodyType(String method, String url) throws Exception {
    try (Response response = Ok.CLIENT.newCall(okRequest(method, url)).execute()) {
      Map<String, String> headers = new HashMap<>();
      response.headers().toMultimap().forEach((k, v) -> headers.put(k, String.join(",", v)));
      okhttp3.MediaType type = response.body().contentType();
      return new ClientAnswer(
          response.code(), headers, type == null ? "none" : type.type() + "/" + type.subtype());
    }
  }

  private static ClientAnswer okhttpFailingInterceptor(String method, String url) throws Exception {
    return ok(OkFailingInterceptor.CLIENT.newCall(okRequest(method, url)).execute());
  }

  private static ClientAnswer okhttpFailingAuthenticator(String method, String url)
      throws Exception {
    return ok(OkFailingAuthenticator.CLIENT.newCall(okRequest(method, url)).execute());
  }

  private static ClientAnswer okhttpLateTimeout(String method, String url) throws Exception {
    return ok(OkLateTimeout.CLIENT.newCall(okRequest(method, url)).execute());
  }

  private static ClientAnswer okhttpEnqueue(String method, String url) throws Exception {
    CompletableFuture<ClientAnswer> answer = new CompletableFuture<>();
    Ok.CLIENT
        .newCall(okRequest(method, url))
        .enqueue(
            new Callback() {
              @Override
              public void onFailure(Call call, IOException e) {
                answer.completeExceptionally(e);
              }

              @Override
              public void onResponse(Call call, Response response) {
                try {
                  answer.complete(ok(response));
                } catch (IOException e) {
                  answer.completeExceptionally(e);
                }
              }
            });
    try {
      return answer.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw unwrap(e);
    }
  }

  /** Enqueues a call and cancels it from this thread once its request is on the wire. */
  private static ClientAnswer okhttpEnqueueCancel(String method, String url) throws Exception {
    CompletableFuture<Void> sent = new CompletableFuture<>();
    OkHttpClient client =
        Ok.CLIENT
            .newBuilder()
            .eventListener(
                new EventListener() {
                  @Override
                  public void requestHeadersEnd(Call call, Request request) {
                    sent.complete(null);
                  }
                })
            .build();
    Call call = client.newCall(okRequest(method, url));
    CompletableFuture<ClientAnswer> answer = new CompletableFuture<>();
    call.enqueue(
        new Callback() {
          @Override
          public void onFailure(Call failed, IOException e) {
            answer.completeExceptionally(e);
          }

          @Override
          public void onResponse(Call answered, Response response) {
            try {
              answer.complete(ok(response));
            } catch (IOException e) {
              answer.completeExceptionally(e);
            }
          }
        });
    CompletableFuture.anyOf(sent, answer).get(10, TimeUnit.SECONDS);
    if (sent.isDone()) {
      call.cancel();
    }
    try {
      return answer.get(10, TimeUnit.SECONDS); // the callback runs once the call is over
    } catch (ExecutionException e) {
      if (sent.isDone() && call.isCanceled()) {
        return CANCELLED;
      }
      throw unwrap(e);
    }
  }

  private static ClientAnswer apacheClassic(String method, String url) throws Exception {
    return apacheExecute(Apache.CLIENT, method, url);
  }

  /**
   * A request made from a string that is no URI: {@code url} followed by {@code /{raw}}, absolute
   * ({@code new BasicClassicHttpRequest("GET", "http://…/{raw}")}, which keeps it whole as its
   * path, without scheme or authority), the target given apart. HttpClient sends it as it is.
   */
  private static ClientAnswer apacheRawRequestLine(String method, String url) throws Exception {
    URI parsed = URI.create(url);
    org.apache.hc.core5.http.HttpHost target =
        new org.apache.hc.core5.http.HttpHost(
            parsed.getScheme(), parsed.getHost(), parsed.getPort());
    org.apache.hc.core5.http.message.BasicClassicHttpRequest request =
        new org.apache.hc.core5.http.message.BasicClassicHttpRequest(method, url + "/{raw}");
    return Apache.CLIENT.execute(
        target,
        request,
        response -> {
          String body =
              response.getEntity() == null ? "" : EntityUtils.toString(response.getEntity());
          return new ClientAnswer(response.getCode(), Map.of(), body);
        });
  }

  private static ClientAnswer apacheFailingInterceptor(String method, String url) throws Exception {
    return apacheExecute(ApacheFailingInterceptor.CLIENT, method, url);
  }

  private static ClientAnswer apacheMinimal(String method, String url) throws Exception {
    return apacheExecute(ApacheMinimal.CLIENT, method, url);
  }

  /**
   * Holds its pool's one connection (a response it has not closed yet) and asks again: the second
   * request fails with the pool's {@code ConnectionRequestTimeoutException}, having never left.
   */
  private static ClientAnswer apachePoolExhausted(String method, String url) throws Exception {
    try (ClassicHttpResponse held =
        ApacheOneConnection.CLIENT.executeOpen(
            null, new HttpUriRequestBase("GET", URI.create(url)), null)) {
      return apacheExecute(ApacheOneConnection.CLIENT, method, url);
    }
  }

  /**
   * Holds its pool's one connection and asks again from a thread the app has interrupted: the wait
   * for the pool fails at once ({@code CancellationException}: the client cancels its lease).
   */
  private static ClientAnswer apacheInterrupted(String method, String url) throws Exception {
    try (ClassicHttpResponse held =
        ApacheOneConnection.CLIENT.executeOpen(
            null, new HttpUriRequestBase("GET", URI.create(url)), null)) {
      return interrupted(() -> apacheExecute(ApacheOneConnection.CLIENT, method, url));
    }
  }

  /**
   * Calls from a thread the app has interrupted: okio refuses the request's first write ({@code
   * InterruptedIOException: interrupted}), or the socket its connect (OkHttp 5: {@code
   * InterruptedException}).
   */
  private static ClientAnswer okhttpInterrupted(String method, String url) throws Exception {
    return interrupted(() -> okhttpExecute(method, url));
  }

  /**
   * Makes {@code call} with this thread's interrupt flag set, as a task cancelled with {@code
   * Future.cancel(true)} (or an executor's {@code shutdownNow}) makes the call it is in; clears the
   * flag after.
   */
  static ClientAnswer interrupted(Callable<ClientAnswer> call) throws Exception {
    Thread.currentThread().interrupt();
    try {
      return call.call();
    } finally {
      Thread.interrupted();
    }
  }

  /** How long the {@code *-pool-wait} styles hold their pool's one connection. */
  static final long POOL_HOLD_MILLIS = 1000;

  /**
   * Closes {@code held} {@link #POOL_HOLD_MILLIS} from now, on another thread: the app holding a
   * response (and so its pool's connection) while it works on it.
   */
  static CompletableFuture<Void> closeLater(AutoCloseable held) {
    return CompletableFuture.runAsync(
        () -> {
          try (held) {
            Thread.sleep(POOL_HOLD_MILLIS); // the app's own work on the response, simulated
          } catch (Exception e) {
            throw new CompletionException(e);
          }
        });
  }

  /**
   * Holds its pool's one connection (a response it has not closed yet) for {@link
   * #POOL_HOLD_MILLIS} on another thread and asks again meanwhile: the second request waits that
   * long for the connection, then is answered at once.
   */
  private static ClientAnswer apachePoolWait(String method, String url) throws Exception {
    ClassicHttpResponse held =
        ApacheWaitingPool.CLIENT.executeOpen(
            null, new HttpUriRequestBase("GET", URI.create(url)), null);
    CompletableFuture<Void> released = closeLater(held);
    try {
      return apacheExecute(ApacheWaitingPool.CLIENT, method, url);
    } finally {
      released.get(10, TimeUnit.SECONDS);
    }
  }

  private static ClientAnswer apacheExecute(CloseableHttpClient client, String method, String url)
      throws Exception {
    HttpUriRequestBase request = new HttpUriRequestBase(method, URI.create(url));
    return client.execute(
        request,
        response -> {
          Map<String, String> headers = new HashMap<>();
          for (Header header : response.getHeaders()) {
            headers.merge(header.getName(), header.getValue(), (a, b) -> a + "," + b);
          }
          String body =
              response.getEntity() == null ? "" : EntityUtils.toString(response.getEntity());
          return new ClientAnswer(response.getCode(), headers, body);
        });
  }

  /** Executes a request in another thread and cancels it once the client started sending it. */
  private static ClientAnswer apacheCancel(String method, String url) throws Exception {
    HttpUriRequestBase request = new HttpUriRequestBase(method, URI.create(url));
    CompletableFuture<Void> sent = new CompletableFuture<>();
    HttpClientContext context = HttpClientContext.create();
    context.setAttribute(ApacheCancelling.SENT, sent);
    CompletableFuture<ClientAnswer> answer =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return ApacheCancelling.CLIENT.execute(
                    request,
                    context,
                    response -> new ClientAnswer(response.getCode(), Map.of(), ""));
              } catch (IOException e) {
                throw new CompletionException(e);
              }
            });
    CompletableFuture.anyOf(sent, answer).get(10, TimeUnit.SECONDS);
    if (sent.isDone()) {
      request.cancel();
    }
    try {
      return answer.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (sent.isDone() && request.isCancelled()) {
        return CANCELLED;
      }
      throw unwrap(e);
    }
  }

  private static ClientAnswer vertx(String method, String url) throws Exception {
    URI uri = URI.create(url);
    return vertx(
        VertxClient.CLIENT,
        vertxRequest(method, uri).setHost(uri.getHost()).setPort(uri.getPort()));
  }

  /**
   * As {@link #vertx(String, String)}, with an IPv6 literal's host without brackets, as Vert.x 5.0
   * takes it ({@code setHost("::1")}; 5.1 refuses it and wants {@code [::1]}).
   */
  private static ClientAnswer vertxBareHost(String method, String url) throws Exception {
    URI uri = URI.create(url);
    String host = uri.getHost();
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return vertx(
        VertxClient.CLIENT, vertxRequest(method, uri).setHost(host).setPort(uri.getPort()));
  }

  /**
   * A request for HTTP/3 ({@code RequestOptions#setProtocolVersion}, Vert.x 5.1) to a client built
   * without it: Vert.x fails it at once ({@code Handle me}), before anything leaves the process.
   */
  private static ClientAnswer vertxHttp3(String method, String url) throws Exception {
    URI uri = URI.create(url);
    return vertx(
        VertxClient.CLIENT,
        vertxRequest(method, uri)
            .setHost(uri.getHost())
            .setPort(uri.getPort())
            .setProtocolVersion(io.vertx.core.http.HttpVersion.valueOf("HTTP_3")));
  }

  /**
   * A request naming neither host nor port, to a client whose defaults ({@code
   * HttpClientOptions#setDefaultHost}/{@code setDefaultPort}) are the URL's.
   */
  private static ClientAnswer vertxWithClientDefaults(String method, String url) throws Exception {
    URI uri = URI.create(url);
    io.vertx.core.http.HttpClient client =
        VertxClient.WITH_DEFAULTS.computeIfAbsent(
            uri.getHost() + ":" + uri.getPort(),
            key ->
                VertxClient.VERTX.createHttpClient(
                    new HttpClientOptions()
                        .setDefaultHost(uri.getHost())
                        .setDefaultPort(uri.getPort())));
    return vertx(client, vertxRequest(method, uri));
  }

  /**
   * Makes the call while the app's own connection pool has no room for it: a client of its own with
   * one connection and no wait queue ({@code PoolOptions}), whose connection a slow request to the
   * same server holds (path {@code /holding/slow/pool}). Vert.x refuses the call with a {@code
   * ConnectionPoolTooBusyException} before it reaches the server.
   */
  private static ClientAnswer vertxPoolBusy(String method, String url) throws Exception {
    return vertxPoolBusy(VertxClient.VERTX, method, url, () -> {});
  }

  /**
   * Makes the call while the app's own connection pool has no connection free for it, then closes
   * the client, as an app shutting down does: a client of its own with one connection, which a slow
   * request to the same server holds (path {@code /holding/slow/pool}), so the call waits in the
   * pool's queue until the close fails it ({@code Pool closed}) before it reaches the server.
   */
  private static ClientAnswer vertxPoolClosed(String method, String url) throws Exception {
    URI uri = URI.create(url);
    io.vertx.core.http.HttpClient client =
        VertxClient.VERTX.createHttpClient(
            new HttpClientOptions(), new io.vertx.core.http.PoolOptions().setHttp1MaxSize(1));
    try {
      holdTheOnlyConnection(client, uri);
      Future<ClientAnswer> queued =
          client
              .request(vertxRequest(method, uri).setHost(uri.getHost()).setPort(uri.getPort()))
              .compose(request -> vertxExchange(request, HttpClientRequest::send));
      client.close();
      return awaitVertx(queued);
    } finally {
      client.close();
    }
  }

  /**
   * Sends the request on a client of its own and closes the client before the answer came, as an
   * app shutting down or recycling its client does: the server holds the answer (a {@code /slow/}
   * URL), and the close fails the response under way ({@code HttpClosedException}).
   */
  private static ClientAnswer vertxClosedInFlight(String method, String url) throws Exception {
    URI uri = URI.create(url);
    io.vertx.core.http.HttpClient client =
        VertxClient.VERTX.createHttpClient(new HttpClientOptions());
    try {
      CompletableFuture<Future<ClientAnswer>> sent = new CompletableFuture<>();
      client
          .request(vertxRequest(method, uri).setHost(uri.getHost()).setPort(uri.getPort()))
          .onComplete(
              (request, failure) -> {
                if (failure != null) {
                  sent.completeExceptionally(failure);
                  return;
                }
                Future<ClientAnswer> answer =
                    request.response().compose(Clients::vertxResponseAnswer);
                request
                    .end()
                    .onComplete(
                        (written, notWritten) -> {
                          if (notWritten != null) {
                            sent.completeExceptionally(notWritten);
                          } else {
                            sent.complete(answer);
                          }
                        });
              });
      Future<ClientAnswer> answer = sent.get(10, TimeUnit.SECONDS);
      client.close();
      return awaitVertx(answer);
    } finally {
      client.close();
    }
  }

  /** How long the app keeps its event loop busy in {@link #vertxPoolBusyOnABusyLoop}. */
  private static final long BUSY_LOOP_MILLIS = 300;

  /**
   * As {@link #vertxPoolBusy}, while the app's own code keeps its event loop busy: a Vert.x of its
   * own with one event loop, on which the app starts {@value #BUSY_LOOP_MILLIS} ms of work just
   * before it makes the call. Vert.x refuses the call at once, and tells the app (and the breaker)
   * of it on that loop, after the app's work: the refused call ends {@value #BUSY_LOOP_MILLIS} ms
   * after it started, though it never left the process.
   */
  private static ClientAnswer vertxPoolBusyOnABusyLoop(String method, String url) throws Exception {
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    try {
      return vertxPoolBusy(vertx, method, url, () -> keepBusy(vertx, BUSY_LOOP_MILLIS));
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  /**
   * Runs {@code millis} ms of the app's own work on {@code vertx}'s event loop; returns once begun.
   */
  private static void keepBusy(Vertx vertx, long millis) throws Exception {
    java.util.concurrent.CountDownLatch begun = new java.util.concurrent.CountDownLatch(1);
    vertx.runOnContext(
        v -> {
          begun.countDown();
          try {
            Thread.sleep(millis); // stands for the app's work: it holds the event loop so long
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    if (!begun.await(10, TimeUnit.SECONDS)) {
      throw new IllegalStateException("the app's work never began on its event loop");
    }
  }

  /** Something the app does before a call, which may throw. */
  private interface Step {
    void run() throws Exception;
  }

  private static ClientAnswer vertxPoolBusy(Vertx vertx, String method, String url, Step before)
      throws Exception {
    URI uri = URI.create(url);
    io.vertx.core.http.HttpClient client =
        vertx.createHttpClient(
            new HttpClientOptions(),
            new io.vertx.core.http.PoolOptions().setHttp1MaxSize(1).setMaxWaitQueueSize(0));
    try {
      holdTheOnlyConnection(client, uri);
      before.run();
      return vertx(client, vertxRequest(method, uri).setHost(uri.getHost()).setPort(uri.getPort()));
    } finally {
      client.close();
    }
  }

  /**
   * Holds its pool's one connection for {@link #POOL_HOLD_MILLIS} and asks again meanwhile: a
   * client of its own with one connection, which a request to the same server (path {@code
   * /holding/poolwait}, under no policy) takes with a body the app ends that much later; the second
   * request waits that long in the pool's queue, then is answered at once.
   */
  private static ClientAnswer vertxPoolWait(String method, String url) throws Exception {
    URI uri = URI.create(url);
    io.vertx.core.http.HttpClient client =
        VertxClient.VERTX.createHttpClient(
            new HttpClientOptions(), new io.vertx.core.http.PoolOptions().setHttp1MaxSize(1));
    try {
      CompletableFuture<Void> holding = new CompletableFuture<>();
      client
          .request(
              vertxRequest("POST", uri.resolve("/holding/poolwait"))
                  .setHost(uri.getHost())
                  .setPort(uri.getPort()))
          .onComplete(
              (request, failure) -> {
                if (failure != null) {
                  holding.completeExceptionally(failure);
                  return;
                }
                request.response().compose(HttpClientResponse::body);
                request.setChunked(true).write("held");
                // the app's own work on the body, simulated
                VertxClient.VERTX.setTimer(POOL_HOLD_MILLIS, timer -> request.end());
                holding.complete(null);
              });
      holding.get(10, TimeUnit.SECONDS);
      return vertx(client, vertxRequest(method, uri).setHost(uri.getHost()).setPort(uri.getPort()));
    } finally {
      client.close();
    }
  }

  /**
   * Has a slow request to {@code uri}'s server (path {@code /holding/slow/pool}) take the only
   * connection of {@code client}'s pool; returns once it is sent.
   */
  private static void holdTheOnlyConnection(io.vertx.core.http.HttpClient client, URI uri)
      throws Exception {
    CompletableFuture<Void> holding = new CompletableFuture<>();
    client
        .request(
            vertxRequest("GET", uri.resolve("/holding/slow/pool"))
                .setHost(uri.getHost())
                .setPort(uri.getPort()))
        .onComplete(
            (request, failure) -> {
              if (failure != null) {
                holding.completeExceptionally(failure);
              } else {
                request.send();
                holding.complete(null);
              }
            });
    holding.get(10, TimeUnit.SECONDS);
  }

  private static RequestOptions vertxRequest(String method, URI uri) {
    return new RequestOptions()
        .setMethod(HttpMethod.valueOf(method))
        .setURI(
            (uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()))
        .setFollowRedirects(true);
  }

  private static ClientAnswer vertx(io.vertx.core.http.HttpClient client, RequestOptions options)
      throws Exception {
    return awaitVertx(
        client
            .request(options)
            .compose(request -> vertxExchange(request, HttpClientRequest::send)));
  }

  /**
   * Sends a request and, once it is written, resets it ({@code HttpClientRequest#reset}), as an app
   * giving up on a slow server does; answers {@code cancelled} when the reset failed the response.
   */
  private static ClientAnswer vertxReset(String method, String url) throws Exception {
    return vertxGivingUp(method, url, HttpClientRequest::reset);
  }

  /** As {@link #vertxReset}, with {@code HttpClientRequest#cancel} (new in Vert.x 5.1). */
  private static ClientAnswer vertxCancel(String method, String url) throws Exception {
    return vertxGivingUp(method, url, HttpClientRequest::cancel);
  }

  private static ClientAnswer vertxGivingUp(
      String method, String url, Function<HttpClientRequest, Future<?>> giveUp) throws Exception {
    return vertxCall(
        method,
        url,
        request -> {
          Future<ClientAnswer> answer =
              request
                  .response()
                  .transform(
                      response ->
                          response.failed()
                              ? Future.succeededFuture(CANCELLED)
                              : vertxResponseAnswer(response.result()));
          return request.end().compose(written -> giveUp.apply(request)).compose(givenUp -> answer);
        });
  }

  /**
   * Sends a request whose body is the app's own {@code ReadStream} ({@code send(ReadStream)}),
   * which hands over one byte and then fails with the app's {@code IOException}: Vert.x's pipe ends
   * the request there, and the app gets what the server answers to it. A call without an answer
   * within the wait names the steps it reached (see {@link CallProgress}). Such calls once timed
   * out on a loaded machine (about one in a thousand, only with the agent): the agent put trace
   * headers into the request after its head had left with the first chunk, which raced the encoding
   * of that head (see {@link #vertxWrittenBody}).
   */
  private static ClientAnswer vertxFailingBody(String method, String url) throws Exception {
    CallProgress progress = new CallProgress();
    return vertxCall(
        method,
        url,
        progress,
        request -> {
          progress.reached("request");
          request
              .response()
              .onSuccess(response -> progress.reached("response " + response.statusCode()));
          return vertxExchange(
              request,
              sent ->
                  sent.send(
                      new FailingBodyStream(
                          VertxClient.VERTX,
                          () -> {
                            progress.reached("body failed");
                            return new IOException(RequestBodyClients.APP_BODY_FAILED);
                          })));
        });
  }

  /**
   * Sends a request whose body stream fails as {@code WebClient#sendStream} sends one, with Vert.x
   * core alone: the app's stream (one byte, then the app's {@code IOException}) is piped into the
   * request without ending it on failure ({@code endOnFailure(false)}), and the request is reset
   * with the stream's failure instead ({@code reset(0, cause)}). The app's call fails as the
   * response does; one without an answer within the wait fails with a {@code TimeoutException}.
   */
  private static ClientAnswer vertxResetStream(String method, String url) throws Exception {
    return vertxCall(
        method,
        url,
        request -> {
          Future<ClientAnswer> answer = request.response().compose(Clients::vertxResponseAnswer);
          request.setChunked(true);
          new FailingBodyStream(
                  VertxClient.VERTX, () -> new IOException(RequestBodyClients.APP_BODY_FAILED))
              .pipe()
              .endOnFailure(false)
              .to(request)
              .onFailure(failure -> request.reset(0, failure));
          return answer;
        });
  }

  /**
   * As {@link #vertxFailingBody}, but the body stream fails as a Vert.x stream whose own connection
   * closed does (a proxied request whose client went away, a download piped into the upload): with
   * the one {@code HttpClosedException} Vert.x shares between all such streams ({@code
   * HttpUtils.CONNECTION_CLOSED_EXCEPTION}), which also fails every request whose connection the
   * target closes. Read reflectively: package-private in 5.0, public in 5.1.
   */
  private static ClientAnswer vertxClosedBody(String method, String url) throws Exception {
    java.lang.reflect.Field shared =
        Class.forName("io.vertx.core.http.impl.HttpUtils")
            .getDeclaredField("CONNECTION_CLOSED_EXCEPTION");
    shared.setAccessible(true);
    Throwable closed = (Throwable) shared.get(null);
    return vertxCall(
        method,
        url,
        request ->
            vertxExchange(
                request,
                sent -> sent.send(new FailingBodyStream(VertxClient.VERTX, () -> closed))));
  }

  /**
   * Sends a request whose body is a large {@code ReadStream} of the app's that never fails ({@code
   * send(ReadStream)}): only the writes to the connection can.
   */
  private static ClientAnswer vertxStreamingBody(String method, String url) throws Exception {
    return vertxCall(
        method,
        url,
        request ->
            vertxExchange(
                request,
                sent -> sent.send(new GeneratedBodyStream(RequestBodyClients.LARGE_BODY))));
  }

  /**
   * Sends a request whose body is a small {@code ReadStream} of the app's ({@code
   * send(ReadStream)}, three chunks): Vert.x pipes it into the request, whose head leaves with the
   * first chunk the pipe writes.
   */
  private static ClientAnswer vertxStreamBody(String method, String url) throws Exception {
    return vertxCall(
        method,
        url,
        request ->
            vertxExchange(request, sent -> sent.send(new GeneratedBodyStream(3 * 1024, 1024))));
  }

  /**
   * As {@code vertx-stream-body}, over HTTP/2 without TLS from the first byte (a client of its own,
   * {@code h2c} with prior knowledge): the head leaves as a {@code HEADERS} frame, the body as
   * {@code DATA} frames.
   */
  private static ClientAnswer vertxHttp2StreamBody(String method, String url) throws Exception {
    URI uri = URI.create(url);
    io.vertx.core.http.HttpClient client =
        VertxClient.VERTX.createHttpClient(
            new HttpClientOptions()
                .setProtocolVersion(io.vertx.core.http.HttpVersion.HTTP_2)
                .setHttp2ClearTextUpgrade(false));
    try {
      return awaitVertx(
          client
              .request(vertxRequest(method, uri).setHost(uri.getHost()).setPort(uri.getPort()))
              .compose(
                  request ->
                      vertxExchange(
                          request, sent -> sent.send(new GeneratedBodyStream(3 * 1024, 1024)))));
    } finally {
      client.close();
    }
  }

  /**
   * Sends the head of a chunked request first ({@code sendHead}), then at once ends it with its
   * body, both on the app's thread.
   */
  private static ClientAnswer vertxHeadFirst(String method, String url) throws Exception {
    return vertxCall(
        method,
        url,
        request -> {
          request.setChunked(true);
          return vertxExchange(
              request,
              sent -> {
                sent.sendHead();
                return sent.end("{}");
              });
        });
  }

  /** The header the {@code vertx-written-body} answer names the request's late headers in. */
  static final String LATE_HEADERS = "x-sluice-test-late-headers";

  /**
   * The header the {@code vertx-written-body} answer says in what a {@code putHeader} on the ended
   * request threw ({@code none} when it returned).
   */
  static final String PUT_AFTER_END = "x-sluice-test-put-after-end";

  private static String putAfterEnd(HttpClientRequest request) {
    try {
      request.putHeader("x-after-end", "1");
      return "none";
    } catch (RuntimeException e) {
      return e.getClass().getSimpleName() + ": " + e.getMessage();
    }
  }

  /**
   * Writes the first part of a chunked body ({@code write}: the head leaves with it, or just before
   * it under the Sluice agent), then ends the request, as {@code send(ReadStream)}'s pipe does;
   * answers the server's response with {@link #LATE_HEADERS} naming the headers the request gained
   * after its head left (empty: none). The connection's event loop encodes that head from the
   * request's own header map, maybe while the request goes on on another thread: a header put then
   * races that encoding.
   */
  private static ClientAnswer vertxWrittenBody(String method, String url) throws Exception {
    return vertxCall(
        method,
        url,
        request -> {
          request.setChunked(true);
          java.util.Set<String> sent = new java.util.TreeSet<>();
          return vertxExchange(
                  request,
                  written ->
                      written
                          .write("{")
                          .compose(
                              headSent -> {
                                sent.addAll(written.headers().names());
                                return written.end("}");
                              }))
              .map(
                  answer -> {
                    java.util.Set<String> late = new java.util.TreeSet<>(request.headers().names());
                    late.removeAll(sent);
                    Map<String, String> headers = new HashMap<>(answer.headers());
                    headers.put(LATE_HEADERS, String.join(",", late));
                    headers.put(PUT_AFTER_END, putAfterEnd(request));
                    return new ClientAnswer(answer.status(), headers, answer.body());
                  });
        });
  }

  /** A body stream of the app's: chunks while the pipe reads, until {@code size} bytes are sent. */
  private static final class GeneratedBodyStream implements ReadStream<Buffer> {
    private final Buffer chunk;
    private long left;
    private Handler<Buffer> data;
    private Handler<Void> end;
    private boolean paused = true;
    private boolean scheduled;

    /** {@code size} bytes in chunks of 64 KiB. */
    GeneratedBodyStream(long size) {
      this(size, 64 * 1024);
    }

    /** {@code size} bytes, a multiple of {@code chunkSize}, in chunks of {@code chunkSize}. */
    GeneratedBodyStream(long size, int chunkSize) {
      this.chunk = Buffer.buffer(new byte[chunkSize]);
      this.left = size;
    }

    @Override
    public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
      return this;
    }

    @Override
    public ReadStream<Buffer> handler(Handler<Buffer> handler) {
      data = handler;
      return this;
    }

    @Override
    public ReadStream<Buffer> pause() {
      paused = true;
      return this;
    }

    @Override
    public ReadStream<Buffer> resume() {
      paused = false;
      if (!scheduled) {
        scheduled = true;
        VertxClient.VERTX.runOnContext(
            v -> {
              scheduled = false;
              emit();
            });
      }
      return this;
    }

    private void emit() {
      while (!paused && left > 0 && data != null) {
        left -= chunk.length();
        try {
          data.handle(chunk.copy());
        } catch (IllegalStateException requestEnded) {
          // the request ended (failed, or answered early) before Vert.x's pipe let go of this
          // stream: its write checks say so by throwing. Stop, as a file or socket source whose
          // pipe closed would; thrown on, Vert.x would log it as an unhandled exception.
          left = 0;
          data = null;
          end = null;
          return;
        }
      }
      if (left <= 0 && end != null) {
        Handler<Void> ended = end;
        end = null;
        ended.handle(null);
      }
    }

    @Override
    public ReadStream<Buffer> fetch(long amount) {
      return resume();
    }

    @Override
    public ReadStream<Buffer> endHandler(Handler<Void> handler) {
      end = handler;
      return this;
    }
  }

  /**
   * Makes a request of {@code method} to {@code url} with the app's shared Vert.x client and waits
   * for what {@code exchange} answers with it (see {@link #awaitVertx(Future, CallProgress)}).
   */
  private static ClientAnswer vertxCall(
      String method,
      String url,
      CallProgress progress,
      Function<HttpClientRequest, Future<ClientAnswer>> exchange)
      throws Exception {
    URI uri = URI.create(url);
    return awaitVertx(
        VertxClient.CLIENT
            .request(vertxRequest(method, uri).setHost(uri.getHost()).setPort(uri.getPort()))
            .compose(exchange),
        progress);
  }

  /** As {@link #vertxCall(String, String, CallProgress, Function)}, noting no steps. */
  private static ClientAnswer vertxCall(
      String method, String url, Function<HttpClientRequest, Future<ClientAnswer>> exchange)
      throws Exception {
    return vertxCall(method, url, null, exchange);
  }

  /**
   * Sends {@code request} with {@code send} and answers its response, whose body is read by a
   * handler set on {@code request}'s response before anything is sent, so that it runs as the
   * response's head arrives. Vert.x 5.0's {@code HttpClientResponse#body} never completes when the
   * response has already ended (5.1 completes it); a body read from a callback chained after the
   * send ({@code send().compose(...)}) can come after that end, since a callback added to a
   * completed future, or one of another context, runs later: a fast response then never reached the
   * app, whose call hung for its whole wait (about one call in two hundred on a loaded machine). A
   * failed send fails the answer, as the response's own failure does.
   */
  private static Future<ClientAnswer> vertxExchange(
      HttpClientRequest request, Function<HttpClientRequest, Future<?>> send) {
    Future<ClientAnswer> answer = request.response().compose(Clients::vertxResponseAnswer);
    return send.apply(request)
        .transform(sent -> sent.failed() ? Future.failedFuture(sent.cause()) : answer);
  }

  private static Future<ClientAnswer> vertxResponseAnswer(HttpClientResponse response) {
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

  /** Waits (10 s at most) for a Vert.x call's answer, or throws its failure. */
  static ClientAnswer awaitVertx(Future<ClientAnswer> call) throws Exception {
    return awaitVertx(call, null);
  }

  /**
   * As {@link #awaitVertx(Future)}; a call without an answer in time fails with a {@link
   * TimeoutException} naming the steps {@code progress} noted ({@code null}: none kept).
   */
  private static ClientAnswer awaitVertx(Future<ClientAnswer> call, CallProgress progress)
      throws Exception {
    CompletableFuture<ClientAnswer> answer = new CompletableFuture<>();
    call.onComplete(
        (result, failure) -> {
          if (failure != null) {
            answer.completeExceptionally(failure);
          } else {
            answer.complete(result);
          }
        });
    try {
      return answer.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw unwrap(e);
    } catch (TimeoutException e) {
      if (progress == null) {
        throw e;
      }
      TimeoutException named =
          new TimeoutException("no answer within 10 s; " + progress + "; answered: " + call);
      named.initCause(e);
      throw named;
    }
  }

  static HttpURLConnection urlConnection(String url) throws IOException {
    HttpURLConnection connection = (HttpURLConnection) URI.create(url).toURL().openConnection();
    connection.setConnectTimeout(5_000);
    connection.setReadTimeout(10_000);
    return connection;
  }

  /**
   * The JDK's {@code HttpURLConnection} as {@code RestTemplate}'s default request factory uses it:
   * the status first (its implicit connect sends the request), then headers and body, the error
   * stream for a 4xx or 5xx.
   */
  private static ClientAnswer urlConnection(String method, String url) throws Exception {
    return urlConnection(urlConnection(url), method);
  }

  /**
   * Fetches an {@code ftp://} URL through the HTTP proxy on 127.0.0.1 whose port its fragment names
   * ({@code ftp://host:21/f#proxy=8080}, the fragment not sent), as the JDK's {@code
   * FtpURLConnection} does: with an {@code HttpURLConnection} of the {@code ftp://} URL. Answers
   * the proxy's status and body; a status of 400 or more throws, as an {@code ftp://} fetch does.
   */
  private static ClientAnswer ftpThroughHttpProxy(String method, String url) throws Exception {
    URL ftp = URI.create(url).toURL();
    int proxyPort = Integer.parseInt(ftp.getRef().substring("proxy=".length()));
    URLConnection connection =
        ftp.openConnection(
            new Proxy(Proxy.Type.HTTP, new InetSocketAddress("127.0.0.1", proxyPort)));
    try (InputStream body = connection.getInputStream()) {
      return new ClientAnswer(
          200, Map.of(), new String(body.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  /** As {@link #urlConnection(String, String)}, over HTTPS to the test downstream. */
  private static ClientAnswer urlConnectionTls(String method, String url) throws Exception {
    HttpsURLConnection connection = (HttpsURLConnection) urlConnection(url);
    connection.setSSLSocketFactory(Tls.SOCKETS);
    return urlConnection(connection, method);
  }

  private static ClientAnswer urlConnection(HttpURLConnection connection, String method)
      throws Exception {
    connection.setRequestMethod(method);
    if (!"GET".equals(method)) {
      connection.setDoOutput(true);
      try (OutputStream out = connection.getOutputStream()) {
        out.write(new byte[] {'{', '}'});
      }
    }
    return urlConnectionAnswer(connection);
  }

  /** The status (its implicit connect sends the request), then headers and body. */
  static ClientAnswer urlConnectionAnswer(HttpURLConnection connection) throws Exception {
    int status = connection.getResponseCode();
    Map<String, String> headers = new HashMap<>();
    connection
        .getHeaderFields()
        .forEach(
            (name, values) -> {
              if (name != null) { // the status line
                headers.put(name, String.join(",", values));
              }
            });
    try (InputStream body =
        status >= 400 ? connection.getErrorStream() : connection.getInputStream()) {
      return new ClientAnswer(
          status,
          headers,
          body == null ? "" : new String(body.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  /**
   * Connects explicitly, then writes a body without ever naming a method, as older code does: the
   * JDK sends a POST ({@code getOutputStream} turns the default GET of a connection with {@code
   * setDoOutput(true)} into a POST, after {@code connect()} here). When writing fails, it still
   * asks for the response before it gives up.
   */
  private static ClientAnswer urlConnectionPostAfterConnect(String method, String url)
      throws Exception {
    HttpURLConnection connection = urlConnection(url);
    connection.setDoOutput(true);
    connection.connect();
    try (OutputStream out = connection.getOutputStream()) {
      out.write(new byte[] {'{', '}'});
    } catch (IOException refused) {
      // an app that asks for the response anyway: nothing may leave for it either
      try {
        connection.getResponseCode();
      } catch (IOException again) {
        refused.addSuppressed(again);
      }
      throw refused;
    }
    int status = connection.getResponseCode();
    try (InputStream body =
        status >= 400 ? connection.getErrorStream() : connection.getInputStream()) {
      return new ClientAnswer(
          status,
          Map.of("x-request-method", connection.getRequestMethod()),
          body == null ? "" : new String(body.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  /**
   * Sends a POST whole (fixed-length streaming: headers and body leave on {@code getOutputStream}
   * and {@code write}), then gives up on it with {@code disconnect()} before reading the response,
   * as an app abandoning a slow server does; answers {@code cancelled}.
   */
  private static ClientAnswer urlConnectionDisconnect(String method, String url) throws Exception {
    HttpURLConnection connection = urlConnection(url);
    byte[] body = {'{', '}'};
    connection.setRequestMethod("POST");
    connection.setDoOutput(true);
    connection.setFixedLengthStreamingMode(body.length);
    try (OutputStream out = connection.getOutputStream()) {
      out.write(body);
    }
    connection.disconnect();
    return CANCELLED;
  }

  /**
   * Connects, gives up with {@code disconnect()} before asking for anything, then asks for the
   * response after all: the JDK connects again and sends the request on a new connection.
   */
  private static ClientAnswer urlConnectionReconnect(String method, String url) throws Exception {
    HttpURLConnection connection = urlConnection(url);
    connection.setRequestMethod(method); // the JDK refuses it once the connection connected
    connection.connect();
    connection.disconnect();
    return urlConnectionAnswer(connection);
  }

  /** As {@link #urlConnectionReconnect}, over HTTPS to the test downstream. */
  private static ClientAnswer urlConnectionTlsReconnect(String method, String url)
      throws Exception {
    HttpsURLConnection connection = (HttpsURLConnection) urlConnection(url);
    connection.setSSLSocketFactory(Tls.SOCKETS);
    connection.setRequestMethod(method);
    connection.connect();
    connection.disconnect();
    return urlConnectionAnswer(connection);
  }

  @SuppressWarnings("unchecked")
  private static ClientAnswer okhttpIsolated(String method, String url) throws Exception {
    try {
      Object[] answer = (Object[]) Isolated.CALL.invoke(null, method, url);
      return new ClientAnswer(
          (Integer) answer[0], (Map<String, String>) answer[1], (String) answer[2]);
    } catch (java.lang.reflect.InvocationTargetException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }

  private static Exception unwrap(ExecutionException e) {
    Throwable cause = e.getCause();
    return cause instanceof Exception exception ? exception : e;
  }
}
