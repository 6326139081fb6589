package io.sluice.javaagent.testapp;

import java.net.HttpURLConnection;
import java.util.Map;

/**
 * {@code HttpURLConnection} styles whose call the JDK refuses for the app's own misuse of the
 * connection, with a {@code java.net.ProtocolException} thrown before any byte of the request
 * leaves: each connects explicitly first (so the call has started), makes its mistake, lets the
 * exception out and disconnects, as an app's {@code finally} would.
 */
final class UrlConnectionMisuseClients {

  private UrlConnectionMisuseClients() {}

  /**
   * A {@code method} (TRACE) request with output enabled, connected, then asked for its output
   * stream: "HTTP method TRACE doesn't support output" ({@code huc-trace-output}).
   */
  static ClientAnswer traceWithOutput(String method, String url) throws Exception {
    HttpURLConnection connection = Clients.urlConnection(url);
    try {
      connection.setRequestMethod(method);
      connection.setDoOutput(true);
      connection.connect();
      connection.getOutputStream().close();
      return new ClientAnswer(connection.getResponseCode(), Map.of(), "");
    } finally {
      connection.disconnect();
    }
  }

  /**
   * A fixed-length streaming {@code method} request without {@code setDoOutput(true)}, connected,
   * then asked for its status: the JDK tries to send its headers through {@code getOutputStream},
   * which refuses, "cannot write to a URLConnection if doOutput=false" ({@code
   * huc-streaming-without-output}).
   */
  static ClientAnswer streamingWithoutOutput(String method, String url) throws Exception {
    HttpURLConnection connection = Clients.urlConnection(url);
    try {
      connection.setRequestMethod(method);
      connection.setFixedLengthStreamingMode(2);
      connection.connect();
      return new ClientAnswer(connection.getResponseCode(), Map.of(), "");
    } finally {
      connection.disconnect();
    }
  }

  /**
   * A {@code method} request with input disabled ({@code setDoInput(false)}), connected, then asked
   * for its status: "Cannot read from URLConnection if doInput=false" ({@code huc-without-input}).
   */
  static ClientAnswer withoutInput(String method, String url) throws Exception {
    HttpURLConnection connection = Clients.urlConnection(url);
    try {
      connection.setRequestMethod(method);
      connection.setDoInput(false);
      connection.connect();
      return new ClientAnswer(connection.getResponseCode(), Map.of(), "");
    } finally {
      connection.disconnect();
    }
  }
}
