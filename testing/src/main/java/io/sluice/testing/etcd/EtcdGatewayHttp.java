package io.sluice.testing.etcd;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Calls to etcd's JSON gateway ({@code /v3/...}, {@code /health}) over {@link HttpURLConnection}.
 *
 * <p>Why not {@code java.net.http.HttpClient}: etcd 3.4's gateway answers every error (a refused
 * permission, a bad request) chunked, with a trailer field after the last chunk ({@code
 * Grpc-Trailer-Content-Type}), which HTTP/1.1 allows. The JDK's {@code HttpClient} reads such an
 * answer on some JDK versions (17.0.15, 25) and fails it on others ({@code ProtocolException: CR
 * expected} on Debian's 17.0.21.1), so the status and the error etcd sent never reach the caller;
 * {@code HttpURLConnection} reads trailers on all of them.
 */
public final class EtcdGatewayHttp {

  /** A status and the body etcd answered with (its error body for an error status). */
  public record Answer(int status, String body) {}

  private EtcdGatewayHttp() {}

  /** A GET of {@code uri}, answered within {@code timeout} (connect and each read). */
  public static Answer get(URI uri, Duration timeout) throws IOException {
    return call(uri, null, null, timeout);
  }

  /**
   * A POST of {@code json} to {@code uri}, with etcd's auth {@code token} unless null, answered
   * within {@code timeout} (connect and each read).
   */
  public static Answer post(URI uri, String json, String token, Duration timeout)
      throws IOException {
    return call(uri, json, token, timeout);
  }

  private static Answer call(URI uri, String json, String token, Duration timeout)
      throws IOException {
    // never through the JVM's proxy settings (a test may set a default ProxySelector): etcd is
    // called directly, as the HttpClient these calls replace did
    HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection(Proxy.NO_PROXY);
    try {
      int millis = Math.toIntExact(Math.max(1, timeout.toMillis()));
      connection.setConnectTimeout(millis);
      connection.setReadTimeout(millis);
      connection.setUseCaches(false);
      if (token != null) {
        connection.setRequestProperty("Authorization", token); // etcd's gateway takes it bare
      }
      if (json != null) {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        connection.setRequestMethod("POST");
        connection.setDoOutput(true);
        connection.setFixedLengthStreamingMode(body.length);
        connection.setRequestProperty("Content-Type", "application/json");
        try (OutputStream out = connection.getOutputStream()) {
          out.write(body);
        }
      }
      int status = connection.getResponseCode();
      InputStream in = status >= 400 ? connection.getErrorStream() : connection.getInputStream();
      if (in == null) {
        return new Answer(status, "");
      }
      try (in) {
        return new Answer(status, new String(in.readAllBytes(), StandardCharsets.UTF_8));
      }
    } finally {
      connection.disconnect();
    }
  }
}
