package io.sluice.controlplane.etcd;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * One call of the embedded etcd's JSON gateway ({@code /health}, {@code /v3/cluster/...}) over
 * {@link HttpURLConnection}: etcd 3.4's gateway answers errors chunked with a trailer field after
 * the last chunk, which {@code java.net.http.HttpClient} fails on some JDKs ({@code
 * ProtocolException: CR expected} on Debian's 17.0.21.1), losing the status that tells another etcd
 * (one that refuses to list its members to this caller) from nothing listening. The test support's
 * {@code EtcdGatewayHttp} does the same for the tests; the control plane cannot depend on it.
 *
 * @param status the HTTP status etcd answered
 * @param body the body it answered with, its error body for an error status
 */
record GatewayCall(int status, String body) {

  /** A GET of {@code uri} ({@code json} null) or a POST of {@code json}, within {@code timeout}. */
  static GatewayCall of(URI uri, String json, Duration timeout) throws IOException {
    // the embedded etcd is on loopback: never through the app's proxy settings
    HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection(Proxy.NO_PROXY);
    try {
      int millis = Math.toIntExact(Math.max(1, timeout.toMillis()));
      connection.setConnectTimeout(millis);
      connection.setReadTimeout(millis);
      connection.setUseCaches(false);
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
        return new GatewayCall(status, "");
      }
      try (in) {
        return new GatewayCall(status, new String(in.readAllBytes(), StandardCharsets.UTF_8));
      }
    } finally {
      connection.disconnect();
    }
  }
}
