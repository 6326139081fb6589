package io.sluice.javaagent.instrumentation.httpurlconnection;

import io.opentelemetry.instrumentation.api.util.VirtualField;
import io.sluice.javaagent.bridge.SluiceBridge;
import io.sluice.javaagent.bridge.SluiceCall;
import java.io.IOException;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.URL;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The breaker call of each {@link HttpURLConnection}: started when the connection first connects,
 * told the outcome when the JDK has read the response (or failed to connect or read), abandoned
 * when the app disconnects before that. What {@link HttpUrlConnectionInstrumentation}'s advice
 * calls.
 *
 * <p>A helper class, injected into the bootstrap loader (the connection classes are {@code
 * java.base}'s). The link is a {@link VirtualField} the agent adds to the connection classes,
 * registered by {@link HttpUrlConnectionInstrumentationModule#registerVirtualFields}. Without it
 * (the agent could not provide it, logged once) connections pass unguarded: a call whose outcome
 * could never be told would hold a half-open breaker's permission for ever.
 *
 * <p>A connection has one call, whatever it does later: a redirect or an authentication retry the
 * JDK follows connects again within the same call, and a rejected connection rejects every later
 * attempt to connect it, so nothing of it ever leaves the process. Only the call's first outcome
 * counts ({@link SluiceCall}), so the JDK rethrowing a remembered failure counts nothing more.
 */
public final class HttpUrlConnectionCalls {

  /** The link, or {@code null} when the agent could not provide it. */
  private static final VirtualField<HttpURLConnection, SluiceCall> CALLS = find();

  private HttpUrlConnectionCalls() {}

  private static VirtualField<HttpURLConnection, SluiceCall> find() {
    try {
      return VirtualField.find(HttpURLConnection.class, SluiceCall.class);
    } catch (RuntimeException | LinkageError e) {
      Logger.getLogger(HttpUrlConnectionCalls.class.getName())
          .log(
              Level.WARNING,
              "Sluice: no link from HttpURLConnections to their breaker calls; their calls pass"
                  + " unguarded",
              e);
      return null;
    }
  }

  /**
   * The connection is about to connect: starts its call the first time (keyed by the URL's host,
   * port and path without query, and the request method).
   *
   * @return the I/O error a rejected connection fails with, or {@code null} to connect
   */
  public static IOException connect(HttpURLConnection connection) {
    if (CALLS == null) {
      return null;
    }
    SluiceCall call = CALLS.get(connection);
    if (call == null) {
      URL url = connection.getURL();
      call =
          SluiceBridge.start(
              url.getHost(),
              SluiceBridge.port(url.getProtocol(), url.getPort()),
              connection.getRequestMethod(),
              url.getPath());
      if (call == null) {
        return null;
      }
      CALLS.set(connection, call);
    }
    // mode response too: see HttpUrlConnectionInstrumentation for why there is no synthetic answer
    return call.rejected() ? new ConnectException(call.message()) : null;
  }

  /**
   * The connection's attempt to connect ended: an I/O error (refused, unknown host, TLS handshake,
   * timeout) is the call's failure; anything else thrown (a proxy selector's or security check's
   * runtime exception) says nothing about the target and abandons it.
   */
  public static void connected(HttpURLConnection connection, Throwable thrown) {
    SluiceCall call = permitted(connection);
    if (call == null || thrown == null) {
      return;
    }
    if (thrown instanceof IOException) {
      call.onError(thrown);
    } else {
      call.abandon();
    }
  }

  /**
   * The JDK finished reading the response (its private {@code getInputStream0}, where {@code
   * getInputStream}, {@code getResponseCode} and every {@code getHeaderField} end): the status once
   * known, also when the JDK then throws for a 4xx or 5xx; otherwise an I/O error is a failure.
   *
   * @param responseCode the connection's {@code responseCode} field, -1 while unknown
   */
  public static void responded(HttpURLConnection connection, int responseCode, Throwable thrown) {
    SluiceCall call = permitted(connection);
    if (call == null) {
      return;
    }
    if (responseCode >= 0) {
      call.onResponse(responseCode);
    } else if (thrown instanceof IOException) {
      call.onError(thrown);
    } else if (thrown != null) {
      call.abandon();
    }
  }

  /**
   * The app disconnects: before an outcome, it gave up on the call, which counts neither way (a
   * slow call once it ran past its policy's {@code slowCallDuration}); after one, nothing changes.
   */
  public static void disconnect(HttpURLConnection connection) {
    SluiceCall call = permitted(connection);
    if (call != null) {
      call.abandon();
    }
  }

  private static SluiceCall permitted(HttpURLConnection connection) {
    SluiceCall call = CALLS == null ? null : CALLS.get(connection);
    return call == null || call.rejected() ? null : call;
  }
}
