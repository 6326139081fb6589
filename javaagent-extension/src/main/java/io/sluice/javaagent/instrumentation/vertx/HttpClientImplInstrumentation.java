package io.sluice.javaagent.instrumentation.vertx;

import static net.bytebuddy.matcher.ElementMatchers.isPrivate;
import static net.bytebuddy.matcher.ElementMatchers.isSynthetic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import io.sluice.javaagent.bridge.SluiceCall;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.RequestOptions;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Guards {@code io.vertx.core.http.impl.HttpClientImpl#request(RequestOptions)}, where every Vert.x
 * 5 client request starts (also {@code WebClient}'s). A rejected call makes no connection: it gets
 * a failed {@link Future} with a {@link java.net.ConnectException} naming the breaker ({@code
 * onOpen.mode: error}), or a request whose response is the policy's synthetic one ({@code
 * response}, see {@link VertxSyntheticExchange}).
 *
 * <p>A redirect the client follows ({@code RequestOptions#setFollowRedirects}) is part of the call
 * the app made, as with the other clients: Vert.x makes its follow-up request through the same
 * {@code request(RequestOptions)}, from a lambda of {@code HttpClientImpl} taking the original and
 * the redirect's options, so that lambda marks its thread and the follow-up passes unguarded.
 * Otherwise one app call would count twice on a same-host redirect (a half-open breaker with one
 * trial call would never close), and a follow-up rejected in mode {@code response} would hand
 * Vert.x a stand-in request where it expects its own class.
 */
final class HttpClientImplInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("io.vertx.core.http.impl.HttpClientImpl");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("request")
            .and(takesArguments(1))
            .and(takesArgument(0, named("io.vertx.core.http.RequestOptions"))),
        HttpClientImplInstrumentation.class.getName() + "$RequestAdvice");
    transformer.applyAdviceToMethod(
        isSynthetic()
            .and(isPrivate())
            .and(takesArguments(2))
            .and(takesArgument(0, named("io.vertx.core.http.RequestOptions")))
            .and(takesArgument(1, named("io.vertx.core.http.RequestOptions")))
            .and(returns(named("io.vertx.core.Future"))),
        HttpClientImplInstrumentation.class.getName() + "$RedirectAdvice");
  }

  @SuppressWarnings("unused")
  static final class RedirectAdvice {

    private RedirectAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    static void enter() {
      VertxCalls.followingRedirect(true);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    static void exit() {
      VertxCalls.followingRedirect(false);
    }
  }

  @SuppressWarnings("unused")
  static final class RequestAdvice {

    private RequestAdvice() {}

    /** Returns the rejected call's answer, which skips the method, or {@code null}. */
    @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
    static Future<HttpClientRequest> enter(
        @Advice.Argument(0) RequestOptions options, @Advice.Local("sluiceCall") SluiceCall call) {
      call = VertxCalls.start(options);
      return call == null || !call.rejected() ? null : VertxCalls.rejection(call, options);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    static void exit(
        @Advice.Enter Future<HttpClientRequest> rejection,
        @Advice.Local("sluiceCall") SluiceCall call,
        @Advice.Return(readOnly = false) Future<HttpClientRequest> future,
        @Advice.Thrown Throwable thrown) {
      if (rejection != null) {
        future = rejection;
      } else if (call != null) {
        if (thrown != null) {
          // thrown before the request left (a closed client, a request Vert.x refuses): Vert.x
          // reports I/O failures through the future
          call.abandon();
        } else if (future != null) {
          VertxOutcome.watch(call, future);
        }
      }
    }
  }
}
