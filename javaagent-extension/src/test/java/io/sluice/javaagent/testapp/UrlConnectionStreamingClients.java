package io.sluice.javaagent.testapp;

import java.io.IOException;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.util.Map;

/**
 * {@code HttpURLConnection} styles beside {@link Clients}'s: streaming requests whose sending
 * fails, and a fixed-length body the app does not finish. Each gives up as an app would: on a
 * failure it neither reads the response nor disconnects, it lets the exception out.
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
}
