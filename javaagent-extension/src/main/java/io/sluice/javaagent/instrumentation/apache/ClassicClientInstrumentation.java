package io.sluice.javaagent.instrumentation.apache;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import io.sluice.javaagent.bridge.PoolWaits;
import io.sluice.javaagent.bridge.RefusedResponses;
import io.sluice.javaagent.bridge.RequestLinePaths;
import io.sluice.javaagent.bridge.SluiceBridge;
import io.sluice.javaagent.bridge.SluiceCall;
import java.io.IOException;
import java.net.URISyntaxException;
import java.util.Map;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;
import org.apache.hc.client5.http.impl.classic.CloseableHttpResponse;
import org.apache.hc.core5.concurrent.CancellableDependency;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ConnectionRequestTimeoutException;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.http.message.BasicClassicHttpResponse;

/**
 * Guards Apache HttpClient 5's classic clients at {@code doExecute(HttpHost, ClassicHttpRequest,
 * HttpContext)}, where every {@code execute} overload ends exactly once, inside the agent's own
 * advice on {@code execute} (so a rejected call keeps its CLIENT span). A rejection throws an
 * {@link IOException}, or returns a synthetic {@link CloseableHttpResponse} that the caller's
 * response handler, if any, reads like a real one. A request the app cancelled fails here and is
 * abandoned, not failed. A call that fails with anything but an {@link IOException} failed in the
 * app's own code the client runs for it (a request interceptor) or for the app's own reasons (a
 * closed client) and is discarded: it counts neither way, as does one whose {@code IOException} or
 * {@code HttpException} a request interceptor threw (noted where the client's processor runs them,
 * before the request is written: a signing interceptor whose key store is away). A call whose
 * response a response interceptor refused by throwing (the app's check that turns a 503 into an
 * exception) is judged by that response's status ({@link ResponseInterceptorsInstrumentation}). A
 * request with no target, given apart or in its URI (a relative path, or an absolute URL that is no
 * {@code java.net.URI}), has no host a breaker could cover: it passes unguarded, and HttpClient
 * fails it before anything leaves.
 */
final class ClassicClientInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return namedOneOf(
        "org.apache.hc.client5.http.impl.classic.InternalHttpClient",
        "org.apache.hc.client5.http.impl.classic.MinimalHttpClient");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("doExecute").and(takesArguments(3)),
        ClassicClientInstrumentation.class.getName() + "$DoExecuteAdvice");
  }

  @SuppressWarnings("unused")
  static final class DoExecuteAdvice {

    private DoExecuteAdvice() {}

    /** Returns the rejected call's answer (a response or an IOException), or {@code null}. */
    @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
    static Object enter(
        @Advice.Argument(0) HttpHost target,
        @Advice.Argument(1) ClassicHttpRequest request,
        @Advice.Local("sluiceCall") SluiceCall call,
        @Advice.Local("sluiceOuterCall") SluiceCall outer,
        @Advice.Local("sluiceCurrent") boolean current)
        throws Exception {
      HttpHost host = target;
      if (host == null) {
        try {
          host = HttpHost.create(request.getUri());
        } catch (URISyntaxException | RuntimeException noHost) {
          // no target given and none in the request (a relative path, or one that is no URI):
          // HttpClient fails the call itself before anything leaves, so it is left unguarded here
          // rather than by the advice throwing
          return null;
        }
      }
      // the path and query, or the whole string a request was made from when it is no URI
      // (new BasicClassicHttpRequest("GET", "http://h/p{x}")), which HttpClient sends as it is
      call =
          SluiceBridge.start(
              host.getHostName(),
              SluiceBridge.port(host.getSchemeName(), host.getPort()),
              request.getMethod(),
              RequestLinePaths.path(request.getPath()));
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
        BasicClassicHttpResponse response = new BasicClassicHttpResponse(call.status());
        String contentType = null;
        for (Map.Entry<String, String> header : call.headers().entrySet()) {
          response.addHeader(header.getKey(), header.getValue());
          if ("Content-Type".equalsIgnoreCase(header.getKey())) {
            contentType = header.getValue();
          }
        }
        response.setEntity(
            new StringEntity(
                call.body(),
                contentType == null ? ContentType.TEXT_PLAIN : ContentType.parse(contentType)));
        return CloseableHttpResponse.adapt(response);
      } catch (Throwable t) {
        // an Error too: thrown out of enter, it would run the method and let the call through
        call.responseRefused(t);
        return new IOException(call.message());
      }
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    static void exit(
        @Advice.Argument(1) ClassicHttpRequest request,
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
            && request instanceof CancellableDependency
            && ((CancellableDependency) request).isCancelled()) {
          call.abandon(); // the app cancelled (aborted) the request
        } else if (thrown instanceof ConnectionRequestTimeoutException) {
          // the app's own pool had no connection for the request within its wait (bodies the app
          // left open, a burst past the pool's size): nothing left the process, and nothing was
          // learnt about the target, whose breaker must not open for the app's exhausted pool
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
          SluiceBridge.end(call, response == null ? 0 : response.getCode(), thrown);
        }
      }
    }
  }
}
