package io.sluice.javaagent.instrumentation.vertx;

import static net.bytebuddy.matcher.ElementMatchers.declaresMethod;
import static net.bytebuddy.matcher.ElementMatchers.isPrivate;
import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import io.vertx.ext.web.client.impl.HttpContext;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Makes a redirect Vert.x {@code WebClient} follows part of the app's call, as a redirect Vert.x
 * core follows is (see {@link HttpClientImplInstrumentation}): {@code WebClient} follows them
 * itself, each hop a request of its own made in {@code HttpContext#handleCreateRequest}. Advice
 * there tells {@link WebClientExchange} which hop is being created; advice where the exchange ends
 * ({@code dispatchResponse}, {@code fail}) reports a 3xx no follow-up carried on.
 *
 * <p>The advice applies all or nothing: the type matches only if it declares all three methods. A
 * release that kept {@code handleCreateRequest()} but changed where the exchange ends would
 * otherwise hold a 3xx {@code WebClient} does not follow and never report it (a half-open breaker
 * would lose its trial permit for good); without the match each hop stays a call of its own.
 */
final class WebClientInstrumentation implements TypeInstrumentation {

  private static final ElementMatcher.Junction<MethodDescription> HANDLE_CREATE_REQUEST =
      named("handleCreateRequest").and(isPrivate()).and(takesArguments(0));

  private static final ElementMatcher.Junction<MethodDescription> DISPATCH_RESPONSE =
      named("dispatchResponse").and(isPublic()).and(takesArguments(1));

  private static final ElementMatcher.Junction<MethodDescription> FAIL =
      named("fail").and(isPublic()).and(takesArguments(1));

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("io.vertx.ext.web.client.impl.HttpContext")
        .and(declaresMethod(HANDLE_CREATE_REQUEST))
        .and(declaresMethod(DISPATCH_RESPONSE))
        .and(declaresMethod(FAIL));
  }

  @Override
  public void transform(TypeTransformer transformer) {
    String advice = WebClientInstrumentation.class.getName();
    transformer.applyAdviceToMethod(HANDLE_CREATE_REQUEST, advice + "$CreateRequestAdvice");
    transformer.applyAdviceToMethod(DISPATCH_RESPONSE, advice + "$EndAdvice");
    transformer.applyAdviceToMethod(FAIL, advice + "$EndAdvice");
  }

  @SuppressWarnings("unused")
  static final class CreateRequestAdvice {

    private CreateRequestAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    static void enter(@Advice.This HttpContext<?> context) {
      Object attribute = context.get(WebClientExchange.ATTRIBUTE);
      WebClientExchange exchange = WebClientExchange.of(attribute);
      if (attribute != exchange) {
        context.set(WebClientExchange.ATTRIBUTE, exchange);
      }
      WebClientExchange.creating(exchange, context.redirects());
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    static void exit() {
      WebClientExchange.created();
    }
  }

  @SuppressWarnings("unused")
  static final class EndAdvice {

    private EndAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    static void enter(@Advice.This HttpContext<?> context) {
      WebClientExchange.ended(context.get(WebClientExchange.ATTRIBUTE));
    }
  }
}
