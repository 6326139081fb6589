package io.sluice.javaagent.instrumentation.vertx;

import static net.bytebuddy.matcher.ElementMatchers.declaresField;
import static net.bytebuddy.matcher.ElementMatchers.fieldType;
import static net.bytebuddy.matcher.ElementMatchers.hasSuperClass;
import static net.bytebuddy.matcher.ElementMatchers.isDeclaredBy;
import static net.bytebuddy.matcher.ElementMatchers.isPrivate;
import static net.bytebuddy.matcher.ElementMatchers.isSynthetic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import io.sluice.javaagent.bridge.SluiceCall;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.RequestOptions;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Guards {@code io.vertx.core.http.impl.HttpClientImpl#request(RequestOptions)}, where every Vert.x
 * 5 client request starts (also {@code WebClient}'s). A rejected call makes no connection: it gets
 * a failed {@link Future} with a {@link java.net.ConnectException} naming the breaker ({@code
 * onOpen.mode: error}), or a request whose response is the policy's synthetic one ({@code
 * response}, see {@link VertxSyntheticExchange}).
 *
 * <p>The breakers see the host and port {@code request} connects to: the request's own, else its
 * server address's, else (no server address) the client's defaults ({@code
 * HttpClientOptions#setDefaultHost}/{@code setDefaultPort}), which Vert.x 5.1 keeps in fields of
 * {@code HttpClientImpl} and 5.0 in the client's {@code HttpClientOptions}: one advice per layout
 * reads them with {@link Advice.FieldValue}, which must find its field.
 *
 * <p>A redirect the client follows ({@code RequestOptions#setFollowRedirects}) is part of the call
 * the app made, as with the other clients: Vert.x makes its follow-up request through the same
 * {@code request(RequestOptions)}, from a lambda of {@code HttpClientImpl} taking the original and
 * the redirect's options, so that lambda marks its thread and the follow-up passes unguarded.
 * Otherwise one app call would count twice on a same-host redirect (a half-open breaker with one
 * trial call would never close), and a follow-up rejected in mode {@code response} would hand
 * Vert.x a stand-in request where it expects its own class. {@code WebClient} follows redirects
 * itself, each hop a request through this method: {@link WebClientInstrumentation} ties them to the
 * app's call.
 */
final class HttpClientImplInstrumentation implements TypeInstrumentation {

  /** Vert.x 5.1: the client keeps its default host, port and TLS in fields of its own. */
  private static final ElementMatcher.Junction<TypeDescription> DEFAULTS_IN_FIELDS =
      declaresField(named("defaultHost").and(fieldType(String.class)))
          .and(declaresField(named("defaultPort").and(fieldType(int.class))))
          .and(declaresField(named("defaultSsl").and(fieldType(boolean.class))));

  /** Vert.x 5.0: the client keeps its {@code HttpClientOptions} (in {@code HttpClientBase}). */
  private static final ElementMatcher.Junction<TypeDescription> DEFAULTS_IN_OPTIONS =
      not(DEFAULTS_IN_FIELDS)
          .and(
              hasSuperClass(
                  declaresField(
                      named("options")
                          .and(fieldType(named("io.vertx.core.http.HttpClientOptions"))))));

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("io.vertx.core.http.impl.HttpClientImpl");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    ElementMatcher.Junction<MethodDescription> request =
        named("request")
            .and(takesArguments(1))
            .and(takesArgument(0, named("io.vertx.core.http.RequestOptions")));
    // One advice per layout of the client's defaults, which @Advice.FieldValue must find; a
    // release with neither still guards the requests that name their host.
    transformer.applyAdviceToMethod(
        request.and(isDeclaredBy(DEFAULTS_IN_FIELDS)),
        HttpClientImplInstrumentation.class.getName() + "$RequestAdvice");
    transformer.applyAdviceToMethod(
        request.and(isDeclaredBy(DEFAULTS_IN_OPTIONS)),
        HttpClientImplInstrumentation.class.getName() + "$RequestWithClientOptionsAdvice");
    transformer.applyAdviceToMethod(
        request.and(isDeclaredBy(not(DEFAULTS_IN_FIELDS).and(not(DEFAULTS_IN_OPTIONS)))),
        HttpClientImplInstrumentation.class.getName() + "$RequestWithoutDefaultsAdvice");
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

  /** Vert.x 5.1: the client's defaults are fields of {@code HttpClientImpl}. */
  @SuppressWarnings("unused")
  static final class RequestAdvice {

    private RequestAdvice() {}

    /** Returns the rejected call's answer, which skips the method, or {@code null}. */
    @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
    static Future<HttpClientRequest> enter(
        @Advice.This Object self,
        @Advice.Argument(0) RequestOptions options,
        @Advice.FieldValue("defaultHost") String defaultHost,
        @Advice.FieldValue("defaultPort") int defaultPort,
        @Advice.FieldValue("defaultSsl") boolean defaultSsl,
        @Advice.Local("sluiceCall") SluiceCall call) {
      call = VertxCalls.start(options, defaultHost, defaultPort, defaultSsl);
      return call == null || !call.rejected()
          ? null
          : VertxCalls.rejection(self, call, options, defaultHost, defaultPort, defaultSsl);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    static void exit(
        @Advice.This Object client,
        @Advice.Enter Future<HttpClientRequest> rejection,
        @Advice.Local("sluiceCall") SluiceCall call,
        @Advice.Return(readOnly = false) Future<HttpClientRequest> future,
        @Advice.Thrown Throwable thrown) {
      future = VertxCalls.exit(client, rejection, call, future, thrown);
    }
  }

  /** Vert.x 5.0: the client's defaults are in its {@code HttpClientOptions}. */
  @SuppressWarnings("unused")
  static final class RequestWithClientOptionsAdvice {

    private RequestWithClientOptionsAdvice() {}

    /** Returns the rejected call's answer, which skips the method, or {@code null}. */
    @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
    static Future<HttpClientRequest> enter(
        @Advice.This Object self,
        @Advice.Argument(0) RequestOptions options,
        @Advice.FieldValue("options") HttpClientOptions client,
        @Advice.Local("sluiceCall") SluiceCall call) {
      call =
          VertxCalls.start(
              options, client.getDefaultHost(), client.getDefaultPort(), client.isSsl());
      return call == null || !call.rejected()
          ? null
          : VertxCalls.rejection(
              self,
              call,
              options,
              client.getDefaultHost(),
              client.getDefaultPort(),
              client.isSsl());
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    static void exit(
        @Advice.This Object client,
        @Advice.Enter Future<HttpClientRequest> rejection,
        @Advice.Local("sluiceCall") SluiceCall call,
        @Advice.Return(readOnly = false) Future<HttpClientRequest> future,
        @Advice.Thrown Throwable thrown) {
      future = VertxCalls.exit(client, rejection, call, future, thrown);
    }
  }

  /**
   * A Vert.x 5 release whose client keeps its defaults elsewhere: requests that name their host (or
   * server address) are guarded, requests relying on the client's default host are not.
   */
  @SuppressWarnings("unused")
  static final class RequestWithoutDefaultsAdvice {

    private RequestWithoutDefaultsAdvice() {}

    /** Returns the rejected call's answer, which skips the method, or {@code null}. */
    @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
    static Future<HttpClientRequest> enter(
        @Advice.This Object self,
        @Advice.Argument(0) RequestOptions options,
        @Advice.Local("sluiceCall") SluiceCall call) {
      call = VertxCalls.start(options, null, 0, false);
      return call == null || !call.rejected()
          ? null
          : VertxCalls.rejection(self, call, options, null, 0, false);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    static void exit(
        @Advice.This Object client,
        @Advice.Enter Future<HttpClientRequest> rejection,
        @Advice.Local("sluiceCall") SluiceCall call,
        @Advice.Return(readOnly = false) Future<HttpClientRequest> future,
        @Advice.Thrown Throwable thrown) {
      future = VertxCalls.exit(client, rejection, call, future, thrown);
    }
  }
}
