package io.sluice.javaagent.instrumentation.apache4;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import io.sluice.javaagent.bridge.PoolWaits;
import io.sluice.javaagent.bridge.RefusedResponses;
import io.sluice.javaagent.bridge.RequestLinePaths;
import io.sluice.javaagent.bridge.SluiceBridge;
import io.sluice.javaagent.bridge.SluiceCall;
import java.io.IOException;
import java.net.URI;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;
import org.apache.http.HttpHost;
import org.apache.http.HttpRequest;
import org.apache.http.StatusLine;
import org.apache.http.client.methods.CloseableHttpResponse;
import org.apache.http.client.methods.HttpExecutionAware;
import org.apache.http.client.methods.HttpUriRequest;
import org.apache.http.client.utils.URIUtils;
import org.apache.http.conn.ConnectionPoolTimeoutException;

/**
 * Guards Apache HttpClient 4's classic clients at {@code doExecute(HttpHost, HttpRequest,
 * HttpContext)}, where every {@code execute} overload of {@code CloseableHttpClient} ends exactly
 * once (redirects and retries included), inside the agent's own advice on {@code execute} (so a
 * rejected call keeps its CLIENT span). A rejection throws an {@link IOException}, or returns a
 * synthetic {@link CloseableHttpResponse} ({@link SyntheticHttpResponse}) that the caller's
 * response handler, if any, reads like a real one. A request the app aborted ({@code
 * HttpRequestBase#abort}) fails here and is abandoned, not failed. A call that fails with anything
 * but an {@link IOException} failed in the app's own code the client runs for it (a request
 * interceptor) or for the app's own reasons (a closed client) and is discarded: it counts neither
 * way, as does one whose {@code IOException} or {@code HttpException} a request interceptor threw
 * (noted where the client's processor runs them, before the request is written: a signing
 * interceptor whose key store is away). A call whose response a response interceptor refused by
 * throwing (the app's check that turns a 503 into an exception) is judged by that response's status
 * ({@link ResponseInterceptorsInstrumentation}). The deprecated {@code DefaultHttpClient} family
 * ({@code AbstractHttpClient}, whose final {@code doExecute} runs its request director, redirects
 * and retries included) is guarded at the same method.
 */
final class ClassicClientInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return namedOneOf(
        "org.apache.http.impl.client.InternalHttpClient",
        "org.apache.http.impl.client.MinimalHttpClient",
        "org.apache.http.impl.client.AbstractHttpClient");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    // strict: no muzzle checks the advice against the library in a Maven build
    transformer.applyAdviceToMethod(
        named("doExecute")
            .and(takesArguments(3))
            .and(takesArgument(0, named("org.apache.http.HttpHost")))
            .and(takesArgument(1, named("org.apache.http.HttpRequest")))
            .and(takesArgument(2, named("org.apache.http.protocol.HttpContext")))
            .and(returns(named("org.apache.http.client.methods.CloseableHttpResponse"))),
        ClassicClientInstrumentation.class.getName() + "$DoExecuteAdvice");
  }

  @SuppressWarnings("unused")
  static final class DoExecuteAdvice {

    private DoExecuteAdvice() {}

    /** Returns the rejected call's answer (a response or an IOException), or {@code null}. */
    @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
    static Object enter(
        @Advice.Argument(0) HttpHost target,
        @Advice.Argument(1) HttpRequest request,
        @Advice.Local("sluiceCall") SluiceCall call,
        @Advice.Local("sluiceOuterCall") SluiceCall outer,
        @Advice.Local("sluiceCurrent") boolean current) {
      // the request's URI may be absolute (HttpGet("http://...")) or just the path and query;
      // a core request's line may be no java.net.URI at all, which HttpClient sends as it is
      String line = request.getRequestLine().getUri();
      URI uri =
          request instanceof HttpUriRequest
              ? ((HttpUriRequest) request).getURI()
              : RequestLinePaths.uri(line);
      HttpHost host = target;
      if (host == null && uri != null) {
        host = URIUtils.extractHost(uri);
      }
      if (host == null) {
        return null; // the client fails such a call itself
      }
      call =
          SluiceBridge.start(
              host.getHostName(),
              SluiceBridge.port(host.getSchemeName(), host.getPort()),
              request.getRequestLine().getMethod(),
              uri != null ? uri.getRawPath() : RequestLinePaths.path(line));
      if (call == null || !call.rejected()) {
        // the pool's lease, further in on this thread, takes its wait out of the call's duration;
        // an unguarded call (null) keeps an outer call's from taking it
        outer = PoolWaits.enter(call);
        current = true;
        return null;
      }
      if (!call.respond()) {
        return new IOException(call.message());
      }
      try {
        return SyntheticHttpResponse.of(call);
      } catch (Throwable t) {
        // an Error too: thrown out of enter, it would run the method and let the call through
        call.responseRefused(t);
        return new IOException(call.message());
      }
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    static void exit(
        @Advice.Argument(1) HttpRequest request,
        @Advice.Enter Object rejection,
        @Advice.Local("sluiceCall") SluiceCall call,
        @Advice.Local("sluiceOuterCall") SluiceCall outer,
        @Advice.Local("sluiceCurrent") boolean current,
        @Advice.Return(readOnly = false) CloseableHttpResponse response,
        @Advice.Thrown(readOnly = false) Throwable thrown) {
      int refused;
      if (current) {
        PoolWaits.exit(outer);
      }
      if (rejection instanceof CloseableHttpResponse) {
        response = (CloseableHttpResponse) rejection;
      } else if (rejection instanceof Throwable) {
        thrown = (Throwable) rejection;
      } else if (call != null) {
        if (thrown != null
            && request instanceof HttpExecutionAware
            && ((HttpExecutionAware) request).isAborted()) {
          call.abandon(); // the app aborted the request
        } else if (thrown instanceof ConnectionPoolTimeoutException) {
          // the app's own pool had no connection for the request within its wait (responses the
          // app left open, a burst past the pool's size: 2 per route by default): nothing left the
          // process, and the target's breaker must not open for the app's exhausted pool
          call.discard();
        } else if (thrown != null && (refused = RefusedResponses.statusOf(thrown)) > 0) {
          // the target answered, and the app's response interceptor refused the answer: the call
          // is judged by what the target answered (a 503 the app's check turned into an exception
          // is the target's failure, a 200 it refused is no failure of the target's)
          SluiceBridge.end(call, refused, null);
        } else if (thrown != null && !(thrown instanceof IOException)) {
          // the client reports what the target did as IOExceptions (its HttpExceptions wrapped in
          // ClientProtocolException); anything else is the app's own code the client runs for
          // the request (an interceptor) or a use it refuses (a closed client)
          call.discard();
        } else {
          StatusLine status = response == null ? null : response.getStatusLine();
          SluiceBridge.end(call, status == null ? 0 : status.getStatusCode(), thrown);
        }
      }
    }
  }
}
