package io.sluice.javaagent.testapp;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * The app the integration tests run under the agent, in a forked JVM. It knows nothing about
 * Sluice: it serves {@code GET /call?client=<style>&url=<url>[&method=POST]}, makes one outgoing
 * call with the chosen client style, and answers 200 with what the client returned:
 *
 * <pre>
 * status=503
 * header.x-sluice=open
 * body=...
 * </pre>
 *
 * or {@code error=<exception class>: <message>} when the client failed. It prints {@value #READY}
 * followed by its port once it serves.
 */
public final class TestApp {

  public static final String READY = "TEST-APP-READY port=";

  /**
   * System property: when {@code true}, the app exits once its standard input ends. The test JVM
   * that forks the app keeps that pipe open, so an app whose test JVM was killed outright (no
   * shutdown hook ran) does not run on.
   */
  public static final String EXIT_WITH_PARENT = "test.app.exitWithParent";

  private TestApp() {}

  public static void main(String[] args) throws IOException {
    long started = Long.parseLong(System.getProperty("test.app.started", "0"));
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newFixedThreadPool(8));
    server.createContext("/call", TestApp::call);
    server.createContext("/health", exchange -> respond(exchange, 200, "ok"));
    server.start();
    System.out.println(READY + server.getAddress().getPort());
    if (started > 0) {
      System.out.println("TEST-APP-SERVING-AFTER-MS " + (System.currentTimeMillis() - started));
    }
    System.out.flush();
    if (Boolean.getBoolean(EXIT_WITH_PARENT)) {
      Thread watcher = new Thread(TestApp::exitWhenStandardInputEnds, "test-app-parent-watcher");
      watcher.setDaemon(true);
      watcher.start();
    }
  }

  private static void exitWhenStandardInputEnds() {
    try {
      while (System.in.read() != -1) {
        // the test JVM writes nothing: only the end matters
      }
    } catch (IOException ended) {
      // as good as the end
    }
    System.exit(0);
  }

  private static void call(HttpExchange exchange) throws IOException {
    Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
    String client = query.getOrDefault("client", "jdk");
    String method = query.getOrDefault("method", "GET");
    String url = query.get("url");
    String answer;
    try {
      answer = Clients.forName(client).call(method, url).render();
    } catch (Throwable t) {
      answer = "error=" + t.getClass().getName() + ": " + t.getMessage();
    }
    respond(exchange, 200, answer);
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> query = new HashMap<>();
    if (raw == null) {
      return query;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        query.put(
            URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return query;
  }

  private static void respond(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
