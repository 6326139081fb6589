package io.sluice.javaagent.instrumentation.httpurlconnection;

import static net.bytebuddy.matcher.ElementMatchers.declaresField;
import static net.bytebuddy.matcher.ElementMatchers.fieldType;
import static net.bytebuddy.matcher.ElementMatchers.isDeclaredBy;
import static net.bytebuddy.matcher.ElementMatchers.isPrivate;
import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.CacheResponse;
import java.net.HttpURLConnection;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.field.FieldDescription;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Guards the JDK's {@code sun.net.www.protocol.http.HttpURLConnection}, which also carries HTTPS:
 * the public {@code HttpsURLConnectionImpl} delegates every method to a {@code
 * DelegateHttpsURLConnection}, a subclass.
 *
 * <ul>
 *   <li>{@code connect()}, where every way of connecting ends ({@code connect} itself, and the
 *       implicit connect of {@code getOutputStream}, {@code getInputStream}, {@code
 *       getResponseCode}; the HTTPS subclass {@code AbstractDelegateHttpsURLConnection} overrides
 *       it with its TLS handshake): starts the connection's call the first time; a rejected call
 *       throws a {@code java.net.ConnectException} with the breaker's message instead of
 *       connecting. A connection the method fails to make is the call's failure. The JDK forgets a
 *       failed connect: connected again, it tries the network again, and that attempt is a call of
 *       its own, asked of the breakers and counted; the decision is read from the JDK's state
 *       ({@code connected}, the response or remembered failures, see {@link
 *       HttpUrlConnectionCalls#sendsAnew}) in {@code plainConnect()}, where both connects open
 *       their socket, and a connect that sends nothing starts no call.
 *   <li>the private {@code getInputStream0()}, where the JDK sends the request and reads the
 *       response for {@code getInputStream}, {@code getResponseCode} and every {@code
 *       getHeaderField}: the outcome, once the outermost invocation returns (the JDK calls it again
 *       from within, through {@code getResponseCode} and {@code getHeaderField}, once it has a
 *       response stream: those invocations are not the outcome, a redirect's 3xx among them).
 *   <li>the private {@code getOutputStream0()}, where {@code getOutputStream} of a streaming
 *       request ({@code setChunkedStreamingMode}, {@code setFixedLengthStreamingMode}) sends the
 *       headers and waits for {@code 100 Continue} if the app asked for it: what it throws then is
 *       the outcome (a refused expectation's status, else the I/O error), as the app may give up
 *       right there without reading anything. Where the JDK turns a GET the app connected into a
 *       POST (output on a GET request), the call asks the breakers again as a POST first.
 *   <li>a {@code java.net.ProtocolException} with which either method refuses the app's own use
 *       before anything leaves (no {@code doInput}; output without {@code doOutput}, or on a {@code
 *       TRACE} request over HTTP; a streaming request read without its output enabled) is never the
 *       target's: see {@link HttpUrlConnectionCalls#sends} and {@link
 *       HttpUrlConnectionCalls#reads}.
 *   <li>{@code disconnect()} before any outcome: the app gave up, the call is abandoned, and a
 *       later connect (the app asking for the response after all) starts a call of its own where
 *       the JDK sends the request anew.
 * </ul>
 *
 * <p>A connection whose {@code connect()} found its response in the app's {@code
 * java.net.ResponseCache} ({@code cachedResponse} set) never reaches the target: its call is
 * discarded there, counting neither way however long the cache took. The body of a streaming
 * request is {@link StreamingOutputStreamInstrumentation}'s.
 *
 * <p>No synthetic response ({@code onOpen.mode: response} fails the call as mode {@code error}
 * does): an {@code HttpURLConnection} answers its status, headers, body and error stream from the
 * JDK's private state ({@code sun.net.www.MessageHeader}, streams and flags set as it parses a real
 * response), which differs between JDK releases and which nothing public can set; a response made
 * up there would be a guess about JDK internals that the app's next method could contradict.
 *
 * <p>The agent's own advice (order 0, as ours) sits around the public methods and starts the CLIENT
 * span before the connection connects, so a rejected call has its span, current when the breaker
 * adds its event.
 */
final class HttpUrlConnectionInstrumentation implements TypeInstrumentation {

  /**
   * The field in which the JDK remembers a failure of {@code getOutputStream} to rethrow it: in
   * recent updates (Debian's 17.0.21, Temurin 25), not in earlier ones (Debian's 17.0.15). An
   * advice naming a field its class lacks cannot be applied, and the agent then leaves the whole
   * class untransformed, its own tracing with it (no CLIENT span, no trace headers): one {@code
   * plainConnect()} advice per layout.
   */
  private static final ElementMatcher.Junction<FieldDescription> REMEMBERS_OUTPUT_FAILURE =
      named("rememberedExceptionOut").and(fieldType(Exception.class));

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return namedOneOf(
        "sun.net.www.protocol.http.HttpURLConnection",
        "sun.net.www.protocol.https.AbstractDelegateHttpsURLConnection");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    String advice = HttpUrlConnectionInstrumentation.class.getName();
    transformer.applyAdviceToMethod(
        named("connect")
            .and(isPublic())
            .and(takesArguments(0))
            .and(
                isDeclaredBy(
                    namedOneOf(
                        "sun.net.www.protocol.http.HttpURLConnection",
                        "sun.net.www.protocol.https.AbstractDelegateHttpsURLConnection"))),
        advice + "$ConnectAdvice");
    ElementMatcher.Junction<MethodDescription> plainConnect =
        named("plainConnect")
            .and(takesArguments(0))
            .and(isDeclaredBy(named("sun.net.www.protocol.http.HttpURLConnection")));
    transformer.applyAdviceToMethod(
        plainConnect.and(isDeclaredBy(declaresField(REMEMBERS_OUTPUT_FAILURE))),
        advice + "$PlainConnectAdvice");
    transformer.applyAdviceToMethod(
        plainConnect.and(isDeclaredBy(not(declaresField(REMEMBERS_OUTPUT_FAILURE)))),
        advice + "$PlainConnectWithoutOutputFailureAdvice");
    transformer.applyAdviceToMethod(
        named("getInputStream0").and(isPrivate()).and(takesArguments(0)),
        advice + "$GetInputStreamAdvice");
    transformer.applyAdviceToMethod(
        named("getOutputStream0").and(isPrivate()).and(takesArguments(0)),
        advice + "$GetOutputStreamAdvice");
    transformer.applyAdviceToMethod(
        named("disconnect").and(isPublic()).and(takesArguments(0)), advice + "$DisconnectAdvice");
  }

  /**
   * {@code connect()} of HTTP and of the HTTPS override (around its TLS handshake): starts the
   * connection's first call, keeps a rejected connection rejecting, and tells the call how the
   * attempt to connect ended. Whether an attempt on a connection whose call ended sends the request
   * anew is {@code plainConnect}'s to decide ({@link PlainConnectAdvice}): the HTTPS override
   * reaches it directly on some JDKs (17.0.15, 25) and through {@code super.connect()} on others
   * (17.0.21), and only there can the advice read the JDK's private state.
   */
  @SuppressWarnings("unused")
  static final class ConnectAdvice {

    private ConnectAdvice() {}

    /** Returns the rejected call's I/O error, which skips the method, or {@code null}. */
    @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
    static IOException enter(@Advice.This HttpURLConnection connection) {
      return HttpUrlConnectionCalls.connect(connection, false);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    static void exit(
        @Advice.This HttpURLConnection connection,
        @Advice.Enter IOException rejection,
        @Advice.FieldValue("cachedResponse") CacheResponse cachedResponse,
        @Advice.Thrown(readOnly = false) Throwable thrown) {
      if (rejection != null) {
        thrown = rejection; // the agent's CLIENT span records this failure
      } else {
        HttpUrlConnectionCalls.connected(connection, cachedResponse != null, thrown);
      }
    }
  }

  /**
   * {@code plainConnect()}, where every connect of HTTP and HTTPS opens its socket unless the
   * connection is connected: reads the JDK's state (private fields) to tell whether this attempt
   * sends the request anew (see {@link HttpUrlConnectionCalls#sendsAnew}), and if so starts the
   * call of its own, whose rejection throws instead of connecting. On a JDK that remembers a
   * failure of {@code getOutputStream} ({@code rememberedExceptionOut}); {@link
   * PlainConnectWithoutOutputFailureAdvice} on the others.
   */
  @SuppressWarnings("unused")
  static final class PlainConnectAdvice {

    private PlainConnectAdvice() {}

    /** Returns the rejected call's I/O error, which skips the method, or {@code null}. */
    @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
    static IOException enter(
        @Advice.This HttpURLConnection connection,
        @Advice.FieldValue("connected") boolean connected,
        @Advice.FieldValue("inputStream") InputStream inputStream,
        @Advice.FieldValue("rememberedException") Exception rememberedException,
        @Advice.FieldValue("rememberedExceptionOut") Exception rememberedExceptionOut,
        @Advice.FieldValue("strOutputStream") OutputStream streamingBody,
        @Advice.FieldValue("chunkLength") int chunkLength,
        @Advice.FieldValue("fixedContentLength") int fixedContentLength,
        @Advice.FieldValue("fixedContentLengthLong") long fixedContentLengthLong) {
      return HttpUrlConnectionCalls.connect(
          connection,
          HttpUrlConnectionCalls.sendsAnew(
              connected,
              inputStream,
              rememberedException,
              chunkLength,
              fixedContentLength,
              fixedContentLengthLong,
              streamingBody,
              rememberedExceptionOut));
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    static void exit(
        @Advice.Enter IOException rejection, @Advice.Thrown(readOnly = false) Throwable thrown) {
      if (rejection != null) {
        thrown = rejection; // connect()'s advice sees it, and the agent's CLIENT span records it
      }
    }
  }

  /**
   * As {@link PlainConnectAdvice}, on a JDK that remembers no failure of {@code getOutputStream}
   * (no {@code rememberedExceptionOut}, such as 17.0.15): there {@code getOutputStream} tries the
   * network again after such a failure.
   */
  @SuppressWarnings("unused")
  static final class PlainConnectWithoutOutputFailureAdvice {

    private PlainConnectWithoutOutputFailureAdvice() {}

    /** Returns the rejected call's I/O error, which skips the method, or {@code null}. */
    @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
    static IOException enter(
        @Advice.This HttpURLConnection connection,
        @Advice.FieldValue("connected") boolean connected,
        @Advice.FieldValue("inputStream") InputStream inputStream,
        @Advice.FieldValue("rememberedException") Exception rememberedException,
        @Advice.FieldValue("strOutputStream") OutputStream streamingBody,
        @Advice.FieldValue("chunkLength") int chunkLength,
        @Advice.FieldValue("fixedContentLength") int fixedContentLength,
        @Advice.FieldValue("fixedContentLengthLong") long fixedContentLengthLong) {
      return HttpUrlConnectionCalls.connect(
          connection,
          HttpUrlConnectionCalls.sendsAnew(
              connected,
              inputStream,
              rememberedException,
              chunkLength,
              fixedContentLength,
              fixedContentLengthLong,
              streamingBody,
              null));
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    static void exit(
        @Advice.Enter IOException rejection, @Advice.Thrown(readOnly = false) Throwable thrown) {
      if (rejection != null) {
        thrown = rejection; // connect()'s advice sees it, and the agent's CLIENT span records it
      }
    }
  }

  @SuppressWarnings("unused")
  static final class GetOutputStreamAdvice {

    private GetOutputStreamAdvice() {}

    /**
     * Notes whether the method gets past the app's own mistakes to sending the request; returns the
     * I/O error of a connected GET that turns into a POST the breakers reject, which skips the
     * method, or {@code null}.
     */
    @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
    static IOException enter(
        @Advice.This HttpURLConnection connection,
        @Advice.FieldValue("inputStream") InputStream inputStream,
        @Advice.Local("sluiceSends") boolean sends) {
      sends = HttpUrlConnectionCalls.sends(connection, inputStream);
      return sends ? HttpUrlConnectionCalls.sendingAsPost(connection) : null;
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    static void exit(
        @Advice.This HttpURLConnection connection,
        @Advice.Enter IOException rejection,
        @Advice.Local("sluiceSends") boolean sends,
        @Advice.FieldValue("responseCode") int responseCode,
        @Advice.Thrown(readOnly = false) Throwable thrown) {
      if (rejection != null) {
        thrown = rejection; // the agent's CLIENT span records this failure
      } else if (sends && thrown != null) {
        HttpUrlConnectionCalls.sendFailed(connection, responseCode, thrown);
      }
    }
  }

  @SuppressWarnings("unused")
  static final class GetInputStreamAdvice {

    private GetInputStreamAdvice() {}

    /**
     * Notes whether this is the invocation that reads the response (the JDK's own nested
     * invocations, and the app's later ones, find the response stream set or a remembered failure)
     * and, if so, whether it gets past the checks of the app's own use to the request ({@link
     * HttpUrlConnectionCalls#reads}). {@code reading} first: should the rest fail, the outcome is
     * still told, counted as before.
     */
    @Advice.OnMethodEnter(suppress = Throwable.class)
    static void enter(
        @Advice.This HttpURLConnection connection,
        @Advice.FieldValue("inputStream") InputStream inputStream,
        @Advice.FieldValue("rememberedException") Exception rememberedException,
        @Advice.FieldValue("strOutputStream") OutputStream streamingBody,
        @Advice.FieldValue("chunkLength") int chunkLength,
        @Advice.FieldValue("fixedContentLength") int fixedContentLength,
        @Advice.FieldValue("fixedContentLengthLong") long fixedContentLengthLong,
        @Advice.Local("sluiceReading") boolean reading,
        @Advice.Local("sluiceRefused") boolean refused) {
      reading = inputStream == null;
      refused =
          reading
              && !HttpUrlConnectionCalls.reads(
                  connection,
                  inputStream,
                  rememberedException,
                  chunkLength,
                  fixedContentLength,
                  fixedContentLengthLong,
                  streamingBody);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    static void exit(
        @Advice.This HttpURLConnection connection,
        @Advice.Local("sluiceReading") boolean reading,
        @Advice.Local("sluiceRefused") boolean refused,
        @Advice.FieldValue("responseCode") int responseCode,
        @Advice.Thrown Throwable thrown) {
      if (reading) {
        HttpUrlConnectionCalls.responded(connection, refused, responseCode, thrown);
      }
    }
  }

  @SuppressWarnings("unused")
  static final class DisconnectAdvice {

    private DisconnectAdvice() {}

    /** Before the JDK closes the connection, which would fail a read in progress. */
    @Advice.OnMethodEnter(suppress = Throwable.class)
    static void enter(@Advice.This HttpURLConnection connection) {
      HttpUrlConnectionCalls.disconnect(connection);
    }
  }
}
