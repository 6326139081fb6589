package io.sluice.javaagent.it;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A real HTTP server on loopback the test app calls: records every request's headers and answers
 * with a status the test sets (200, or 500 to make a breaker open). Also over TLS ({@link
 * #startTls}), with the self-signed key and certificate for {@code 127.0.0.1} in the test resource
 * {@value #TLS_KEY_STORE} (password {@value #TLS_KEY_STORE_PASSWORD}), which the test app trusts.
 */
final class Downstream implements AutoCloseable {

  /** Requests under this path are redirected (302) to the rest of the path, on this server. */
  static final String MOVED = "/moved/";

  /**
   * Requests whose path contains this segment are answered only once the test {@linkplain
   * #releaseSlowRequests() releases} them (at most 10 s later): calls the app can cancel in flight.
   */
  static final String SLOW = "/slow/";

  /**
   * Requests under this path are read, then their connection is closed without an answer: the
   * server's own failure, which the client sees as a connection closed by its peer.
   */
  static final String DROP = "/drop/";

  /**
   * Requests whose path contains this segment are answered 401 with a {@code WWW-Authenticate}
   * challenge: calls the client's authenticator then answers.
   */
  static final String UNAUTHORIZED = "/unauthorized/";

  /** The TLS server's PKCS12 key store, a class path resource (also the test app's trust store). */
  static final String TLS_KEY_STORE = "/io/sluice/javaagent/tls/downstream.p12";

  static final String TLS_KEY_STORE_PASSWORD = "sluice-test";

  private final HttpServer server;
  private final String scheme;
  private final List<Map<String, List<String>>> requests = new CopyOnWriteArrayList<>();
  private final AtomicInteger status = new AtomicInteger(200);
  private volatile CountDownLatch slowRequests = new CountDownLatch(1);

  private Downstream(HttpServer server, String scheme) {
    this.server = server;
    this.scheme = scheme;
  }

  static Downstream start() throws IOException {
    return serve(HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0), "http");
  }

  /**
   * As {@link #start()}, on {@code port} of {@code 127.0.0.1}: a target that comes up where
   * connections were refused until now (the caller held the port bound without listening).
   */
  static Downstream startOn(int port) throws IOException {
    return serve(HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0), "http");
  }

  /** The same server over HTTPS. */
  static Downstream startTls() throws IOException, GeneralSecurityException {
    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (InputStream in = Downstream.class.getResourceAsStream(TLS_KEY_STORE)) {
      keys.load(in, TLS_KEY_STORE_PASSWORD.toCharArray());
    }
    KeyManagerFactory keyManagers =
        KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keyManagers.init(keys, TLS_KEY_STORE_PASSWORD.toCharArray());
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(keyManagers.getKeyManagers(), null, null);
    HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(tls));
    return serve(server, "https");
  }

  private static Downstream serve(HttpServer server, String scheme) {
    Downstream downstream = new Downstream(server, scheme);
    server.setExecutor(Executors.newFixedThreadPool(8));
    server.createContext(
        "/",
        exchange -> {
          exchange.getRequestBody().readAllBytes();
          downstream.requests.add(Map.copyOf(exchange.getRequestHeaders()));
          String path = exchange.getRequestURI().getRawPath();
          if (path.startsWith(DROP)) {
            exchange.close(); // no response headers sent: the server closes the connection
            return;
          }
          if (path.contains(SLOW)) {
            try {
              downstream.slowRequests.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          if (path.contains(UNAUTHORIZED)) {
            exchange.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"downstream\"");
            exchange.sendResponseHeaders(401, -1);
            exchange.close();
            return;
          }
          if (path.startsWith(MOVED)) {
            exchange.getResponseHeaders().add("Location", path.substring(MOVED.length() - 1));
            exchange.sendResponseHeaders(302, -1);
            exchange.close();
            return;
          }
          byte[] body = ("downstream " + exchange.getRequestURI()).getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(downstream.status.get(), body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
    return downstream;
  }

  String url(String path) {
    return scheme + "://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  int port() {
    return server.getAddress().getPort();
  }

  /** Makes every following request answer {@code code}. */
  void answer(int code) {
    status.set(code);
  }

  /** Answers the slow requests waiting now; later ones wait again. */
  void releaseSlowRequests() {
    CountDownLatch released = slowRequests;
    slowRequests = new CountDownLatch(1);
    released.countDown();
  }

  int requestCount() {
    return requests.size();
  }

  /** The headers of the last request, names lower-cased by the server's own normalization. */
  Map<String, List<String>> lastRequest() {
    return requests.get(requests.size() - 1);
  }

  /** One header of the last request, or {@code null}. */
  String lastHeader(String name) {
    for (Map.Entry<String, List<String>> header : lastRequest().entrySet()) {
      if (header.getKey().equalsIgnoreCase(name)) {
        return header.getValue().get(0);
      }
    }
    return null;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
