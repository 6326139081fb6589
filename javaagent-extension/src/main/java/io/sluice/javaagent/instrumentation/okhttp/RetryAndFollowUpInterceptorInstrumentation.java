package io.sluice.javaagent.instrumentation.okhttp;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import io.sluice.javaagent.bridge.RequestBodyFailures;
import io.sluice.javaagent.bridge.SluiceBridge;
import io.sluice.javaagent.bridge.SluiceCall;
import java.io.IOException;
import java.net.ProtocolException;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.MediaType;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * Guards OkHttp at {@code RetryAndFollowUpInterceptor#intercept}: both {@code RealCall#execute} and
 * {@code RealCall#enqueue} run every call through it exactly once, after the application
 * interceptors (among them the agent's, which makes a rejected call's CLIENT span) and before any
 * connection is made. An IOException thrown here reaches {@code execute}'s caller, or the {@code
 * Callback#onFailure} of an enqueued call; a synthetic response reaches {@code execute}'s caller or
 * {@code Callback#onResponse}. Redirects and retries inside count as one call. A call the app
 * cancels ({@code Call#cancel}) fails here with an IOException and is abandoned, not failed. A call
 * the app's own cache ({@code OkHttpClient#cache}, whose interceptor runs after this one) answers
 * without the network, a cached response or OkHttp's {@code 504} to an {@code only-if-cached}
 * request it cannot answer, never reached the target and is discarded, as is one that fails with
 * anything but an {@code IOException} (the app's own code OkHttp runs for the call, a network
 * interceptor or its cookie jar, threw it). An {@code IOException} the app's {@code Authenticator}
 * (or proxy authenticator) throws for a 401 or 407, a token refresh that failed, is the app's too
 * ({@code followUpRequest}, see {@link FollowUpAdvice}): counted, it was charged to the target that
 * only asked for credentials, whose breaker opened while the auth server was down.
 */
final class RetryAndFollowUpInterceptorInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("okhttp3.internal.http.RetryAndFollowUpInterceptor");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("intercept").and(takesArguments(1)),
        RetryAndFollowUpInterceptorInstrumentation.class.getName() + "$InterceptAdvice");
    // followUpRequest(Response, Route) in 3.x, (Response, Exchange) in 4.x, (Response, Exchange,
    // Interceptor.Chain) in 5.x
    transformer.applyAdviceToMethod(
        named("followUpRequest").and(takesArgument(0, named("okhttp3.Response"))),
        RetryAndFollowUpInterceptorInstrumentation.class.getName() + "$FollowUpAdvice");
  }

  /**
   * Notes what the app's authenticator throws while OkHttp answers a 401 or 407 as the app's own
   * failure ({@link RequestBodyFailures#writerThrew}), so that {@code intercept}'s call, failing
   * with it, counts neither way. OkHttp's own refusal there ({@code ProtocolException}: a 407
   * without a proxy) stays the target's.
   */
  @SuppressWarnings("unused")
  static final class FollowUpAdvice {

    private FollowUpAdvice() {}

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    static void exit(@Advice.Argument(0) Response response, @Advice.Thrown Throwable thrown) {
      if (thrown instanceof IOException
          && !(thrown instanceof ProtocolException)
          && response != null
          && (response.code() == 401 || response.code() == 407)) {
        RequestBodyFailures.writerThrew(thrown);
      }
    }
  }

  @SuppressWarnings({"unused", "deprecation"})
  static final class InterceptAdvice {

    private InterceptAdvice() {}

    /** Returns the rejected call's answer (a Response or an IOException), or {@code null}. */
    @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
    static Object enter(
        @Advice.Argument(0) Interceptor.Chain chain,
        @Advice.Local("sluiceCall") SluiceCall call,
        @Advice.Local("sluiceStart") long start) {
      Request request = chain.request();
      HttpUrl url = request.url();
      call = SluiceBridge.start(url.host(), url.port(), request.method(), url.encodedPath());
      start = System.nanoTime();
      if (call == null || !call.rejected()) {
        return null;
      }
      if (!call.respond()) {
        return new IOException(call.message()); // the agent's CLIENT span records this failure
      }
      Response response;
      try {
        Headers headers = Headers.of(call.headers());
        // the body has the media type the policy's headers give (ResponseBody#contentType), as
        // OkHttp's own responses do; parse answers null for a missing or unparsable value
        String contentType = headers.get("Content-Type");
        MediaType mediaType = contentType == null ? null : MediaType.parse(contentType);
        response =
            new Response.Builder()
                .request(request)
                .protocol(Protocol.HTTP_1_1)
                .code(call.status())
                .message("Sluice circuit breaker open")
                .headers(headers)
                // create(MediaType, String): OkHttp 3.14 has only this order, 4.x keeps it
                // (deprecated); 4.x's create(String, MediaType) is missing from 3.x
                .body(ResponseBody.create(mediaType, call.body()))
                .build();
      } catch (Throwable t) {
        // an Error too: thrown out of enter, it would run the method and let the call through
        call.responseRefused(t);
        return new IOException(call.message());
      }
      // a synthetic response never reaches the agent's network interceptor: record a span
      call.traceRejection(url.toString(), null);
      return response;
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    static void exit(
        @Advice.Argument(0) Interceptor.Chain chain,
        @Advice.Enter Object rejection,
        @Advice.Local("sluiceCall") SluiceCall call,
        @Advice.Local("sluiceStart") long start,
        @Advice.Return(readOnly = false) Response response,
        @Advice.Thrown(readOnly = false) Throwable thrown) {
      if (rejection instanceof Response) {
        response = (Response) rejection;
      } else if (rejection instanceof Throwable) {
        thrown = (Throwable) rejection;
      } else if (call != null) {
        boolean cancelled = thrown != null && chain.call().isCanceled();
        if (cancelled) {
          // OkHttp also cancels a call whose callTimeout expired, and that call failed; the
          // timeout runs from execute, before the app's interceptors, so only its expiry tells
          cancelled = !OkHttpCallTimeouts.expiredSince(chain.call().timeout(), start);
        }
        boolean fromCache = thrown == null && response != null;
        // the app's own cache (OkHttpClient#cache, after this interceptor) answered every hop
        // without the network: a response it held, or its 504 to an only-if-cached request it
        // cannot answer. OkHttp sets networkResponse on each hop that used the network
        for (Response hop = response; fromCache && hop != null; hop = hop.priorResponse()) {
          fromCache = hop.networkResponse() == null;
        }
        if (cancelled) {
          call.abandon();
        } else if (fromCache) {
          call.discard(); // says nothing about the target, neither its health nor its speed
        } else if (thrown != null && !(thrown instanceof IOException)) {
          // OkHttp tells what the target did with IOExceptions; anything else is the app's own
          // code in the chain (a network interceptor, its cookie jar) or a use OkHttp refuses
          call.discard();
        } else {
          SluiceBridge.end(call, response == null ? 0 : response.code(), thrown);
        }
      }
    }
  }
}
