package io.sluice.javaagent.instrumentation.vertx;

import static net.bytebuddy.matcher.ElementMatchers.isPrivate;
import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import io.vertx.ext.web.client.impl.HttpContext;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Makes a redirect Vert.x {@code WebClient} follows part of the app's call, as a redirect Vert.x
 * core follows is (see {@link HttpClientImplInstrumentation}): {@code WebClient} follows them
 * itself, each hop a request of its own made in {@code HttpContext#handleCreateRequest}. Advice
 * there tells {@link WebClientExchange} which hop is being created; advice where the exchange ends
 * ({@code dispatchResponse}, {@code fail}) reports a 3xx no follow-up carried on.
 */
final class WebClientInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("io.vertx.ext.web.client.impl.HttpContext");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    String advice = WebClientInstrumentation.class.getName();
    transformer.applyAdviceToMethod(
        named("handleCreateRequest").and(isPrivate()).and(takesArguments(0)),
        advice + "$CreateRequestAdvice");
    transformer.applyAdviceToMethod(
        named("dispatchResponse").and(isPublic()).and(takesArguments(1)), advice + "$EndAdvice");
    transformer.applyAdviceToMethod(
        named("fail").and(isPublic()).and(takesArguments(1)), advice + "$EndAdvice");
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
