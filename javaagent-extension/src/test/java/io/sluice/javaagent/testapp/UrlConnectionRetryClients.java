package io.sluice.javaagent.testapp;

import java.io.IOException;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code HttpURLConnection} styles that use one connection object more than once, as an app
 * retrying a connect does: the JDK forgets a failed connect and tries the network again when the
 * same connection is connected again. A connection whose connect failed is kept by its URL between
 * two calls to the app ({@code huc-connect-failed}, then {@code huc-connect-again} or {@code
 * huc-read-again}), so that the test can bring the target up in between.
 */
final class UrlConnectionRetryClients {

  /** The connections {@code huc-connect-failed} made, by URL; the last one for each. */
  private static final Map<String, HttpURLConnection> KEPT = new ConcurrentHashMap<>();

  private UrlConnectionRetryClients() {}

  /**
   * Connects explicitly, and keeps the connection for {@code url} whatever comes of it; a connect
   * that fails fails the call (the test expects it to). One that connects answers the response.
   */
  static ClientAnswer connectFailed(String method, String url) throws Exception {
    HttpURLConnection connection = Clients.urlConnection(url);
    connection.setRequestMethod(method);
    KEPT.put(url, connection);
    connection.connect();
    return Clients.urlConnectionAnswer(connection);
  }

  /**
   * Connects the connection {@code huc-connect-failed} kept for {@code url} again, explicitly, then
   * answers the response (the status first, then headers and body).
   */
  static ClientAnswer connectAgain(String method, String url) throws Exception {
    HttpURLConnection connection = kept(url);
    connection.connect();
    return Clients.urlConnectionAnswer(connection);
  }

  /**
   * Asks the connection {@code huc-connect-failed} kept for {@code url} for its status, which
   * connects it again implicitly, then answers headers and body.
   */
  static ClientAnswer readAgain(String method, String url) throws Exception {
    return Clients.urlConnectionAnswer(kept(url));
  }

  /**
   * Calls {@code connect()} where the JDK does not send the request again: on a connected
   * connection (a no-op), after the response was read (a no-op too), and after {@code disconnect()}
   * of a connection whose response was read (the JDK opens a socket, and sends nothing on it: every
   * later answer comes from the response it read). Answers the status read then, and the status the
   * connection still gives after all that.
   */
  static ClientAnswer connectAfterResponse(String method, String url) throws Exception {
    HttpURLConnection connection = Clients.urlConnection(url);
    connection.setRequestMethod(method);
    connection.connect();
    connection.connect();
    int status = connection.getResponseCode();
    connection.connect();
    connection.disconnect();
    connection.connect();
    int after = connection.getResponseCode();
    connection.disconnect();
    return new ClientAnswer(status, Map.of("x-status-after", Integer.toString(after)), "");
  }

  /**
   * A chunked streaming POST with {@code Expect: 100-continue}, as {@code huc-expect}; when {@code
   * getOutputStream} fails (the server refused the expectation, say), connects again before it
   * gives up: the JDK opens a socket, and sends nothing on it (its {@code getOutputStream} rethrows
   * the failure it remembers). Closes that socket with {@code disconnect()}, then lets the first
   * failure out, or what the connect again threw.
   */
  static ClientAnswer expectFailedThenConnectAgain(String method, String url) throws Exception {
    HttpURLConnection connection = Clients.urlConnection(url);
    connection.setRequestMethod("POST");
    connection.setDoOutput(true);
    connection.setChunkedStreamingMode(1024);
    connection.setRequestProperty("Expect", "100-continue");
    try (OutputStream out = connection.getOutputStream()) {
      out.write(new byte[] {'{', '}'});
    } catch (IOException failed) {
      try {
        connection.connect();
      } finally {
        connection.disconnect();
      }
      throw failed;
    }
    return new ClientAnswer(connection.getResponseCode(), Map.of(), "");
  }

  /**
   * A fixed-length streaming POST whose body the app sends in full, then gives up on with {@code
   * disconnect()} unread, then asks for its status after all: the JDK opens a new socket, sends
   * nothing on it (the body left with the first one) and waits for a response, which fails after a
   * short read timeout; that failure leaves.
   */
  static ClientAnswer streamDisconnectThenRead(String method, String url) throws Exception {
    HttpURLConnection connection = Clients.urlConnection(url);
    byte[] body = {'{', '}'};
    connection.setRequestMethod("POST");
    connection.setDoOutput(true);
    connection.setFixedLengthStreamingMode(body.length);
    connection.setReadTimeout(300);
    try (OutputStream out = connection.getOutputStream()) {
      out.write(body);
    }
    connection.disconnect();
    try {
      return new ClientAnswer(connection.getResponseCode(), Map.of(), "");
    } finally {
      connection.disconnect();
    }
  }

  private static HttpURLConnection kept(String url) {
    HttpURLConnection connection = KEPT.get(url);
    if (connection == null) {
      throw new IllegalStateException("no connection huc-connect-failed kept for " + url);
    }
    return connection;
  }
}
