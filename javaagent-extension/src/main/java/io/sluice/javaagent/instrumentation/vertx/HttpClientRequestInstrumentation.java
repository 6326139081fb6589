package io.sluice.javaagent.instrumentation.vertx;

import static io.opentelemetry.javaagent.extension.matcher.AgentElementMatchers.hasClassesNamed;
import static io.opentelemetry.javaagent.extension.matcher.AgentElementMatchers.implementsInterface;
import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.isInterface;
import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.nameStartsWith;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import io.vertx.core.http.HttpClientRequest;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Abandons the breaker call of a Vert.x request the app gives up on: its public {@code reset()},
 * {@code reset(code)}, {@code reset(code, cause)} and (Vert.x 5.1) {@code cancel()}, as the other
 * clients abandon a call the app cancels. Counted as the failure Vert.x then reports, the app's own
 * cancels would open a breaker against a healthy target, or reopen a half-open one.
 *
 * <p>Vert.x 5.0 and 5.1 declare these methods in {@code HttpClientRequestBase}; any request class
 * of {@code io.vertx.core.http.impl} declaring them is matched, so a release that moves them keeps
 * the behaviour. Vert.x never calls them because the target failed: a reset (HTTP/2 {@code
 * RST_STREAM}) or a close from the server, and the request's own timeouts, fail the request through
 * internal methods, and stay failures. Vert.x core calls them only for a form body it could not
 * encode (the request never reached the target: abandoned, as a request that fails before it
 * leaves) and on a redirect's follow-up (which has no call of its own); {@code WebClient} resets a
 * request once its own exchange failed, after the breaker counted the failure. The advice runs on
 * entry, before the reset can fail the response, and does nothing for a request without a call or
 * whose outcome came first (only the first of the two counts).
 */
final class HttpClientRequestInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<ClassLoader> classLoaderOptimization() {
    return hasClassesNamed("io.vertx.core.http.HttpClientRequest");
  }

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return nameStartsWith("io.vertx.core.http.impl.")
        .and(not(isInterface()))
        .and(implementsInterface(named("io.vertx.core.http.HttpClientRequest")));
  }

  @Override
  public void transform(TypeTransformer transformer) {
    ElementMatcher.Junction<MethodDescription> reset =
        named("reset")
            .and(
                takesArguments(0)
                    .or(takesArguments(1).and(takesArgument(0, long.class)))
                    .or(
                        takesArguments(2)
                            .and(takesArgument(0, long.class))
                            .and(takesArgument(1, Throwable.class))));
    ElementMatcher.Junction<MethodDescription> cancel = named("cancel").and(takesArguments(0));
    transformer.applyAdviceToMethod(
        isPublic().and(not(isAbstract())).and(reset.or(cancel)),
        HttpClientRequestInstrumentation.class.getName() + "$ResetAdvice");
  }

  @SuppressWarnings("unused")
  static final class ResetAdvice {

    private ResetAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    static void enter(@Advice.This HttpClientRequest request) {
      VertxRequestCalls.abandon(request);
    }
  }
}
