package io.sluice.javaagent.instrumentation.httpurlconnection;

import io.opentelemetry.instrumentation.api.util.VirtualField;
import io.sluice.javaagent.bridge.SluiceBridge;
import io.sluice.javaagent.bridge.SluiceCall;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpRetryException;
import java.net.HttpURLConnection;
import java.net.URL;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The breaker call of each {@link HttpURLConnection}: started when the connection first connects,
 * told the outcome when the JDK has read the response (or failed to connect, send a streaming
 * request, or read), abandoned when the app disconnects before that, discarded when the app's
 * {@code ResponseCache} answers, when the app leaves a fixed-length body unfinished, when the JDK
 * refuses the app's own use of the connection before sending anything (a {@code ProtocolException}:
 * no {@code doInput}, a streaming request without {@code doOutput}) or when the app's own code the
 * JDK runs for the call (its proxy selector, its {@code CookieHandler}) throws an unchecked
 * exception. What the advice of {@link HttpUrlConnectionInstrumentation} and {@link
 * StreamingOutputStreamInstrumentation} calls.
 *
 * <p>A helper class, injected into the bootstrap loader (the connection classes are {@code
 * java.base}'s). The link is a {@link VirtualField} the agent adds to the connection classes,
 * registered by {@link HttpUrlConnectionInstrumentationModule#registerVirtualFields}. Without it
 * (the agent could not provide it, logged once) connections pass unguarded: a call whose outcome
 * could never be told would hold a half-open breaker's permission for ever.
 *
 * <p>A connection has one call for each time the JDK sends its request: a redirect or an
 * authentication retry the JDK follows connects again within the same call, and a rejected
 * connection rejects every later attempt to connect it, so nothing of it ever leaves the process. A
 * connection sends its request anew, as a call of its own, where the app connects it again after
 * its connect failed (an I/O error, or the app's own {@code ProxySelector} threw): the JDK forgets
 * that failure and tries the network again, see {@link #sendsAnew}. So does a connection the app
 * disconnects before an outcome and then asks for its response after all, where the JDK sends the
 * request again. Only the call's first outcome counts ({@link SluiceCall}), so the JDK rethrowing a
 * remembered failure, or failing to read on a socket where it sent nothing, counts nothing more.
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
   * Whether the JDK's {@code plainConnect()} (where HTTP and HTTPS connects open their sockets) is
   * about to open a connection on which it sends the connection's request anew, read from the JDK's
   * own state as {@code sun.net.www.protocol.http.HttpURLConnection} keeps it. Its {@code
   * connect()} connects whenever {@code connected} is false, and a connect that fails (refused,
   * timed out, unknown host) leaves it false: the JDK forgets the failure, and the app connecting
   * again, explicitly or through {@code getInputStream}, {@code getResponseCode} or {@code
   * getOutputStream}, makes it try the network again and then send the request. Connected already,
   * {@code connect()} does nothing (a TLS handshake that failed leaves the connection connected
   * too). Not connected, it still opens a socket, but sends nothing on it, when the connection can
   * no longer send its request:
   *
   * <ul>
   *   <li>it read a response ({@code inputStream} set; the JDK keeps it across {@code disconnect()}
   *       and answers every later question from it);
   *   <li>reading the response failed ({@code rememberedException}: {@code getInputStream} and
   *       {@code getResponseCode} rethrow it without connecting);
   *   <li>a streaming request ({@code setChunkedStreamingMode}, {@code
   *       setFixedLengthStreamingMode}) sent its headers already ({@code strOutputStream} set), or
   *       failed to ({@code rememberedExceptionOut}: {@code getOutputStream} rethrows it, and
   *       {@code getInputStream} goes through {@code getOutputStream}). A buffered request whose
   *       {@code getOutputStream} failed to connect is still sent by {@code getInputStream}, which
   *       connects again.
   * </ul>
   *
   * @param connected the connection's {@code connected} field
   * @param inputStream its response stream, {@code null} until it read a response
   * @param rememberedException the failure of reading a response that it rethrows, or {@code null}
   * @param chunkLength the connection's {@code chunkLength}, {@code -1} unless it streams chunked
   * @param fixedContentLength its {@code fixedContentLength}, {@code -1} unless it streams a fixed
   *     length below 2 GiB
   * @param fixedContentLengthLong its {@code fixedContentLengthLong}, {@code -1} unless it streams
   *     a longer fixed length
   * @param streamingBody a streaming request's body stream, {@code null} until its headers left
   * @param rememberedExceptionOut the failure of {@code getOutputStream} that it rethrows, or
   *     {@code null} (always on a JDK that remembers none, such as 17.0.15: its {@code
   *     getOutputStream} tries the network again)
   */
  public static boolean sendsAnew(
      boolean connected,
      InputStream inputStream,
      Exception rememberedException,
      int chunkLength,
      int fixedContentLength,
      long fixedContentLengthLong,
      OutputStream streamingBody,
      Exception rememberedExceptionOut) {
    boolean streaming =
        chunkLength != -1 || fixedContentLength != -1 || fixedContentLengthLong != -1L;
    return !connected
        && inputStream == null
        && rememberedException == null
        && !(streaming && (streamingBody != null || rememberedExceptionOut != null));
  }

  /**
   * Whether {@code url} is an HTTP call's: the JDK's {@code FtpURLConnection} fetches an {@code
   * ftp://} URL through an HTTP proxy with an {@code HttpURLConnection} of that URL, which is no
   * call of an HTTP service on the FTP server's host (guarded, it went into the breaker of {@code
   * host:80}, and its rejection had the JDK blame the proxy and bypass it).
   */
  private static boolean isHttp(URL url) {
    String protocol = url.getProtocol();
    return "http".equalsIgnoreCase(protocol) || "https".equalsIgnoreCase(protocol);
  }

  /**
   * The connection is about to connect: starts its call the first time (keyed by the URL's host,
   * port and path without query, and the request method), and starts a call of its own for an
   * attempt that sends the request anew after the last call ended (its connect failed: an I/O
   * error, or the app's own {@code ProxySelector} threw; or the app disconnected it before an
   * outcome). An attempt that sends nothing keeps the ended call. A call not ended yet goes on (a
   * redirect or authentication retry the JDK follows within the call; the {@code plainConnect()}
   * within a {@code connect()}); a rejected call rejects every attempt.
   *
   * @param sendsAnew what {@link #sendsAnew} said of this attempt, read at {@code plainConnect()};
   *     {@code false} at {@code connect()}, whose advice leaves that to {@code plainConnect()}'s
   * @return the I/O error a rejected connection fails with, or {@code null} to connect
   */
  public static IOException connect(HttpURLConnection connection, boolean sendsAnew) {
    if (CALLS == null) {
      return null;
    }
    SluiceCall call = CALLS.get(connection);
    if (call == null || (sendsAnew && !call.rejected() && call.ended())) {
      URL url = connection.getURL();
      if (!isHttp(url)) {
        return null;
      }
      SluiceCall started =
          SluiceBridge.start(
              url.getHost(),
              SluiceBridge.port(url.getProtocol(), url.getPort()),
              connection.getRequestMethod(),
              url.getPath());
      if (started == null) {
        return null;
      }
      call = started;
      CALLS.set(connection, call);
    }
    // mode response too: see HttpUrlConnectionInstrumentation for why there is no synthetic answer
    return call.rejected() ? new ConnectException(call.message()) : null;
  }

  /**
   * The connection's attempt to connect ended: an I/O error (refused, unknown host, TLS handshake,
   * timeout) is the call's failure; anything else thrown (the app's proxy selector's or a security
   * check's runtime exception, also the proxy selector's {@code IllegalArgumentException} the JDK
   * wraps in an {@code IOException}) is the app's own code the JDK ran for the call and discards
   * it, neither way however long it ran, as the other clients do. A connection the app's {@code
   * java.net.ResponseCache} answered never reaches the target: discarded too, neither way however
   * long the cache took (abandoned, a slow cache counted as a slow target), as OkHttp's calls its
   * cache answers are.
   *
   * @param cached whether the JDK took the response from the app's {@code ResponseCache}
   */
  public static void connected(HttpURLConnection connection, boolean cached, Throwable thrown) {
    SluiceCall call = permitted(connection);
    if (call == null) {
      return;
    }
    if (thrown instanceof IOException && !isProxySelectorRefusal(thrown)) {
      failed(call, thrown);
    } else if (thrown != null) {
      call.discard();
    } else if (cached) {
      call.discard();
    }
  }

  /**
   * The call failed with {@code thrown}, an I/O error: the target's failure, unless the app gave up
   * on the call by interrupting its thread (on a virtual thread the socket then fails with {@code
   * SocketException: Closed by interrupt}), which abandons it as the other clients' calls are (see
   * {@link SluiceBridge#end}). Counted, a time limiter's cancellations of calls to a slow but
   * healthy target made on virtual threads opened its breaker.
   */
  private static void failed(SluiceCall call, Throwable thrown) {
    SluiceBridge.end(call, -1, thrown);
  }

  /**
   * Whether {@code thrown} is the JDK's {@code IOException("Failed to select a proxy")}, which
   * wraps the {@code IllegalArgumentException} of the app's {@code ProxySelector} as it connects:
   * the app's own code, an I/O error in name only. No I/O the JDK does as it connects fails with an
   * {@code IllegalArgumentException} as the cause.
   */
  private static boolean isProxySelectorRefusal(Throwable thrown) {
    return thrown.getClass() == IOException.class
        && thrown.getCause() instanceof IllegalArgumentException;
  }

  /**
   * Whether the JDK's {@code getOutputStream} gets past the checks of the app's own use (output
   * enabled, not a {@code TRACE} request over plain HTTP, no response read yet) to the request:
   * only then does what it throws say anything about the target. The checks mirror those its
   * private {@code getOutputStream0} makes before it connects, each failing with a {@code
   * java.net.ProtocolException} (an I/O error in name only): {@code doOutput} false, the method
   * {@code TRACE} with the URL's protocol {@code http} ("HTTP method TRACE doesn't support output";
   * the JDK turns a GET into a POST before, so the method read here is the one it checks), a
   * response read already. Read from the connection's state rather than matched on the messages. An
   * app that goes on to read the response after such a refusal still sends its request: the call
   * goes on, and counts that response.
   *
   * @param inputStream the connection's response stream, {@code null} until it has one
   */
  public static boolean sends(HttpURLConnection connection, InputStream inputStream) {
    return inputStream == null
        && connection.getDoOutput()
        && !("TRACE".equals(connection.getRequestMethod())
            && "http".equals(connection.getURL().getProtocol()));
  }

  /**
   * Whether the JDK's private {@code getInputStream0} gets past the checks of the app's own use to
   * the request: input enabled ({@code doInput}, else "Cannot read from URLConnection if
   * doInput=false"), and for a streaming request ({@code setChunkedStreamingMode}, {@code
   * setFixedLengthStreamingMode}) whose headers have not left, {@code getOutputStream}'s checks
   * ({@link #sends}), which the JDK runs to send them: a streaming request without {@code
   * setDoOutput(true)} fails with "cannot write to a URLConnection if doOutput=false", whatever the
   * app asks of it ({@code getResponseCode}, {@code getInputStream}). Each refusal is a {@code
   * java.net.ProtocolException} thrown before any byte leaves, the app's mistake however it
   * connected before; nothing the app can change on the connected connection makes it pass, so the
   * call is discarded ({@link #responded}). Read from the connection's state, the order of the
   * JDK's checks kept (a failure it remembers, or a response read, comes before the streaming
   * check), rather than matched on the messages.
   *
   * @param inputStream the connection's response stream, {@code null} until it has one
   * @param rememberedException the failure of reading a response that it rethrows, or {@code null}
   * @param chunkLength the connection's {@code chunkLength}, {@code -1} unless it streams chunked
   * @param fixedContentLength its {@code fixedContentLength}, {@code -1} unless it streams a fixed
   *     length below 2 GiB
   * @param fixedContentLengthLong its {@code fixedContentLengthLong}, {@code -1} unless it streams
   *     a longer fixed length
   * @param streamingBody a streaming request's body stream, {@code null} until its headers left
   */
  public static boolean reads(
      HttpURLConnection connection,
      InputStream inputStream,
      Exception rememberedException,
      int chunkLength,
      int fixedContentLength,
      long fixedContentLengthLong,
      OutputStream streamingBody) {
    if (!connection.getDoInput()) {
      return false;
    }
    boolean streaming =
        chunkLength != -1 || fixedContentLength != -1 || fixedContentLengthLong != -1L;
    return rememberedException != null
        || inputStream != null
        || !streaming
        || streamingBody != null
        || sends(connection, null);
  }

  /**
   * The JDK's {@code getOutputStream} is about to turn the connection's request method from GET
   * into POST (its backward compatibility: output on a GET request makes it a POST), after the app
   * connected it with GET as the method ({@code setDoOutput(true)}, {@code connect()}, then {@code
   * getOutputStream()}, without {@code setRequestMethod}): what leaves is a POST, so the call asks
   * the breakers again as one. The GET call it started gives its permission back and counts neither
   * way (nothing was sent yet); a POST the breakers reject closes the connection (nothing was sent
   * on it) and fails {@code getOutputStream} with the breaker's I/O error, and every later attempt
   * on the connection with it, as a rejected connect does. A connection the JDK turns before it
   * connects (no explicit {@code connect()}) starts its call as a POST in the first place; one
   * whose call ended already keeps it here: the app's cache answered (nothing is sent), or its
   * connect failed, and then the JDK connects again right after turning the method, which starts a
   * call of its own as a POST ({@link #connect}).
   *
   * @return the I/O error a rejected call fails with, or {@code null} to proceed
   */
  public static IOException sendingAsPost(HttpURLConnection connection) {
    SluiceCall call = CALLS == null ? null : CALLS.get(connection);
    if (call == null
        || call.rejected()
        || call.ended()
        || !"GET".equals(connection.getRequestMethod())) {
      return null;
    }
    call.discard();
    URL url = connection.getURL();
    SluiceCall post =
        SluiceBridge.start(
            url.getHost(),
            SluiceBridge.port(url.getProtocol(), url.getPort()),
            "POST",
            url.getPath());
    CALLS.set(connection, post);
    if (post == null || !post.rejected()) {
      return null;
    }
    // connected already: the JDK would send the request on its open connection the next time the
    // app asks for the response, without connecting again. Closed, the connection connects again
    // first, which its rejected call refuses.
    connection.disconnect();
    return new ConnectException(post.message());
  }

  /**
   * Sending a streaming request ({@code getOutputStream} with {@code setChunkedStreamingMode} or
   * {@code setFixedLengthStreamingMode}: the headers leave, then the JDK waits for {@code 100
   * Continue} if asked) failed. A final status the server answered instead of {@code 100} (the JDK
   * throws a {@code ProtocolException} and keeps the status) is the outcome, as other clients
   * return it as the response; otherwise an I/O error is a failure, anything else is discarded.
   *
   * @param responseCode the connection's {@code responseCode} field, -1 while unknown
   */
  public static void sendFailed(HttpURLConnection connection, int responseCode, Throwable thrown) {
    end(connection, responseCode, thrown);
  }

  /**
   * A {@code write} to a streaming request's body threw. An I/O error of the connection (the JDK
   * says {@code Error writing request body to server} once its socket stream failed) is the call's
   * failure. Writing more than the fixed length it declared ({@code written > expected}) is the
   * app's own mistake, after which the JDK closes the connection and reads no response: the call is
   * discarded, neither way however long it ran (it would otherwise hold its permission, a half-open
   * breaker's among them). A write to a stream already closed or failed (the advice does not call
   * this then) changes nothing.
   *
   * @param expected the fixed length the app declared, -1 for a chunked body
   * @param written what the app wrote so far, the failed write included
   */
  public static void writeFailed(
      HttpURLConnection connection, long expected, long written, Throwable thrown) {
    if (!(thrown instanceof IOException)) {
      return;
    }
    SluiceCall call = permitted(connection);
    if (call == null) {
      return;
    }
    if (expected != -1L && written > expected) {
      call.discard();
    } else {
      failed(call, thrown);
    }
  }

  /**
   * Closing a streaming request's body threw. A fixed-length body the app did not finish ({@code
   * written < expected}: the JDK throws {@code insufficient data written}, closes the socket and
   * will read no response) never became a request the target could answer: the app's failure, not
   * the target's, so the call is discarded: it counts neither way, however long the app took over
   * it. Any other I/O error is the call's failure.
   *
   * @param expected the fixed length the app declared, -1 for a chunked body
   * @param written what the app wrote
   */
  public static void closeFailed(
      HttpURLConnection connection, long expected, long written, Throwable thrown) {
    if (!(thrown instanceof IOException)) {
      return;
    }
    SluiceCall call = permitted(connection);
    if (call == null) {
      return;
    }
    if (expected != -1L && written != expected) {
      call.discard();
    } else {
      failed(call, thrown);
    }
  }

  /**
   * The JDK finished reading the response (its private {@code getInputStream0}, where {@code
   * getInputStream}, {@code getResponseCode} and every {@code getHeaderField} end): the status once
   * known, also when the JDK then throws for a 4xx or 5xx; otherwise an I/O error is a failure, and
   * anything else discards the call: it is the app's own code the JDK ran for the call (its {@code
   * CookieHandler}, which the JDK asks as it parses the response's headers, before the status is
   * known), as the other clients' unchecked failures are, so it counts neither way however long it
   * ran. An answer without a status (the app's {@code ResponseCache} answered) changes nothing:
   * {@link #connected} discarded the call already. What the JDK throws where it refuses the app's
   * own use before sending anything ({@link #reads} false) discards the call too, although it is an
   * I/O error (a {@code java.net.ProtocolException}): the target never saw the request.
   *
   * @param refused whether {@link #reads} said no as the method began
   * @param responseCode the connection's {@code responseCode} field, -1 while unknown
   */
  public static void responded(
      HttpURLConnection connection, boolean refused, int responseCode, Throwable thrown) {
    if (refused && thrown != null) {
      SluiceCall call = permitted(connection);
      if (call != null) {
        call.discard();
      }
      return;
    }
    end(connection, responseCode, thrown);
  }

  /**
   * The status once known is the outcome; else an I/O error is a failure, anything thrown else is
   * discarded, and so is no answer at all (the app's cache answered). A streaming request answered
   * with a redirect or an authentication challenge (401, 407) the JDK would have to send again is
   * answered with an {@link HttpRetryException} that carries the status, the connection's field
   * reset to -1: that status is the outcome, as it is for the same request not streamed (the app
   * reads it from {@code getResponseCode}); counted as a failure, a healthy server answering a POST
   * with 303 or 401 opened the breaker.
   */
  private static void end(HttpURLConnection connection, int responseCode, Throwable thrown) {
    SluiceCall call = permitted(connection);
    if (call == null) {
      return;
    }
    if (responseCode < 0
        && thrown instanceof HttpRetryException retry
        && retry.responseCode() >= 0) {
      responseCode = retry.responseCode();
    }
    if (responseCode >= 0) {
      call.onResponse(responseCode);
    } else if (thrown instanceof IOException) {
      failed(call, thrown);
    } else {
      // the app's own code the JDK ran for the call (its CookieHandler) threw, or its cache
      // answered
      call.discard();
    }
  }

  /**
   * The app disconnects: before an outcome, it gave up on the call, which counts neither way (a
   * slow call once it ran past its policy's {@code slowCallDuration}). The connection keeps the
   * ended call: should the app ask for the response after all, {@link #connect} starts a call of
   * its own where the JDK sends the request anew, and none where it cannot (a streaming request
   * whose body left already: the JDK opens a socket, sends nothing and waits for a response that
   * never comes, a failure of nothing the target did). After an outcome, nothing changes (the JDK
   * answers later questions from the response it read).
   */
  public static void disconnect(HttpURLConnection connection) {
    SluiceCall call = permitted(connection);
    if (call != null && !call.ended()) {
      call.abandon();
    }
  }

  private static SluiceCall permitted(HttpURLConnection connection) {
    SluiceCall call = CALLS == null ? null : CALLS.get(connection);
    return call == null || call.rejected() ? null : call;
  }
}
