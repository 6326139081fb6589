package io.sluice.javaagent.testapp;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.CacheRequest;
import java.net.CacheResponse;
import java.net.HttpURLConnection;
import java.net.ResponseCache;
import java.net.URI;
import java.net.URLConnection;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code HttpURLConnection} styles beside {@link Clients}'s: streaming requests whose sending
 * fails, a fixed-length body the app does not finish, and a response from the app's own {@code
 * java.net.ResponseCache}. Each gives up as an app would: on a failure it neither reads the
 * response nor disconnects, it lets the exception out.
 */
final class UrlConnectionStreamingClients {

  /** More than loopback socket buffers hold: a server that stops reading fails the writes. */
  private static final long LARGE_BODY = 256L * 1024 * 1024;

  private UrlConnectionStreamingClients() {}

  /**
   * A fixed-length streaming POST of a large body, written in chunks until done or until a write
   * fails (the exception leaves; nothing is read).
   */
  static ClientAnswer streamUntilFailure(String method, String url) throws Exception {
    HttpURLConnection connection = Clients.urlConnection(url);
    connection.setRequestMethod("POST");
    connection.setDoOutput(true);
    connection.setFixedLengthStreamingMode(LARGE_BODY);
    byte[] chunk = new byte[64 * 1024];
    try (OutputStream out = connection.getOutputStream()) {
      for (long written = 0; written < LARGE_BODY; written += chunk.length) {
        out.write(chunk);
      }
    }
    return new ClientAnswer(connection.getResponseCode(), Map.of(), "");
  }

  /**
   * A chunked streaming POST with {@code Expect: 100-continue}: {@code getOutputStream} sends the
   * headers and waits for the server's {@code 100 Continue}; a failure or refusal leaves as the
   * exception, nothing read.
   */
  static ClientAnswer expectContinue(String method, String url) throws Exception {
    HttpURLConnection connection = Clients.urlConnection(url);
    connection.setRequestMethod("POST");
    connection.setDoOutput(true);
    connection.setChunkedStreamingMode(1024);
    connection.setRequestProperty("Expect", "100-continue");
    try (OutputStream out = connection.getOutputStream()) {
      out.write(new byte[] {'{', '}'});
    }
    return new ClientAnswer(connection.getResponseCode(), Map.of(), "");
  }

  /**
   * A chunked streaming POST of a small body, then the status, as a client that streams every body
   * sends one (a redirect or a 401 then throws {@code HttpRetryException} from reading the
   * response; {@code getResponseCode} still gives the status).
   */
  static ClientAnswer chunkedPost(String method, String url) throws Exception {
    HttpURLConnection connection = Clients.urlConnection(url);
    connection.setRequestMethod("POST");
    connection.setDoOutput(true);
    connection.setChunkedStreamingMode(1024);
    try (OutputStream out = connection.getOutputStream()) {
      out.write(new byte[] {'{', '}'});
    }
    return new ClientAnswer(connection.getResponseCode(), Map.of(), "");
  }

  /**
   * A fixed-length streaming POST of one byte to which the app writes two: the JDK refuses the
   * write ({@code too many bytes}) and the app gives up without reading; answers {@code
   * overflowed}.
   */
  static ClientAnswer overflowingBody(String method, String url) throws Exception {
    HttpURLConnection connection = Clients.urlConnection(url);
    connection.setRequestMethod("POST");
    connection.setDoOutput(true);
    connection.setFixedLengthStreamingMode(1);
    OutputStream body = connection.getOutputStream(); // a rejection fails here, as itself
    try {
      body.write(new byte[] {'{', '}'});
    } catch (IOException expected) {
      return new ClientAnswer(0, Map.of(), "overflowed");
    }
    throw new IllegalStateException("the JDK took more than the fixed length");
  }

  /**
   * A fixed-length streaming POST of two bytes of which the app writes one, then asks for the
   * status: the JDK refuses ({@code insufficient data written}); answers {@code unfinished}.
   */
  static ClientAnswer unfinishedBody(String method, String url) throws Exception {
    HttpURLConnection connection = Clients.urlConnection(url);
    connection.setRequestMethod("POST");
    connection.setDoOutput(true);
    connection.setFixedLengthStreamingMode(2);
    connection.getOutputStream().write('{');
    try {
      connection.getResponseCode();
    } catch (IOException expected) {
      return new ClientAnswer(0, Map.of(), "unfinished");
    }
    throw new IllegalStateException("the JDK sent an unfinished fixed-length body");
  }

  /**
   * As {@link #unfinishedBody}, with an app that takes 300 ms producing its body before it gives up
   * on the second byte: a call slower than a short {@code slowCallDuration}, by the app's doing.
   */
  static ClientAnswer slowUnfinishedBody(String method, String url) throws Exception {
    HttpURLConnection connection = Clients.urlConnection(url);
    connection.setRequestMethod("POST");
    connection.setDoOutput(true);
    connection.setFixedLengthStreamingMode(2);
    connection.getOutputStream().write('{');
    Thread.sleep(300); // the app's own slow producer, not a wait for a result
    try {
      connection.getResponseCode();
    } catch (IOException expected) {
      return new ClientAnswer(0, Map.of(), "unfinished");
    }
    throw new IllegalStateException("the JDK sent an unfinished fixed-length body");
  }

  /**
   * A GET the app's {@code ResponseCache} answers (no network), the body read first, then the
   * status: the cached status and body ({@value ThreadCache#BODY}).
   */
  static ClientAnswer cached(String method, String url) throws Exception {
    return fromCache(url, 0L);
  }

  /**
   * As {@link #cached}, with an app whose {@code ResponseCache} takes 300 ms to find the answer (a
   * cache on a slow disk): a call slower than a short {@code slowCallDuration}, by the app's doing.
   */
  static ClientAnswer slowCached(String method, String url) throws Exception {
    return fromCache(url, 300L);
  }

  private static ClientAnswer fromCache(String url, long lookupMillis) throws Exception {
    ThreadCache.INSTALLED.serving.set(lookupMillis);
    try {
      HttpURLConnection connection = Clients.urlConnection(url);
      String body;
      try (InputStream in = connection.getInputStream()) {
        body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      return new ClientAnswer(connection.getResponseCode(), Map.of(), body);
    } finally {
      ThreadCache.INSTALLED.serving.remove();
    }
  }

  /**
   * The app's {@code ResponseCache}, installed JVM-wide on first use: it answers only the thread
   * that asks for it (the {@code huc-cached} style), so every other call goes to the network, and
   * stores nothing.
   */
  private static final class ThreadCache extends ResponseCache {

    static final String BODY = "cached";
    static final ThreadCache INSTALLED = install();

    /** How long this thread's lookups take, in milliseconds; {@code null}: not served. */
    final ThreadLocal<Long> serving = new ThreadLocal<>();

    private static ThreadCache install() {
      ThreadCache cache = new ThreadCache();
      ResponseCache.setDefault(cache);
      return cache;
    }

    @Override
    public CacheResponse get(URI uri, String method, Map<String, List<String>> headers)
        throws IOException {
      Long lookupMillis = serving.get();
      if (lookupMillis == null) {
        return null;
      }
      if (lookupMillis > 0L) {
        try {
          Thread.sleep(lookupMillis); // the app's own slow cache, not a wait for a result
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("interrupted looking up the cache");
        }
      }
      return new CacheResponse() {
        @Override
        public Map<String, List<String>> getHeaders() {
          Map<String, List<String>> headers = new HashMap<>();
          headers.put(null, List.of("HTTP/1.1 200 OK")); // the status line, as the JDK keys it
          headers.put("Content-Length", List.of(String.valueOf(BODY.length())));
          return headers;
        }

        @Override
        public InputStream getBody() {
          return new ByteArrayInputStream(BODY.getBytes(StandardCharsets.UTF_8));
        }
      };
    }

    @Override
    public CacheRequest put(URI uri, URLConnection connection) {
      return null;
    }
  }
}
