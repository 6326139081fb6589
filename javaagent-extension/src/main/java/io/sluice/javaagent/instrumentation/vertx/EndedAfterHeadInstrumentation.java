package io.sluice.javaagent.instrumentation.vertx;

import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.nameStartsWith;
import static net.bytebuddy.matcher.ElementMatchers.named;

import io.opentelemetry.context.Scope;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import io.vertx.core.http.HttpClientRequest;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Runs a Vert.x request's {@code end} and {@code sendHead} methods, the ones the agent's Vert.x
 * instrumentation starts a CLIENT span in, in the context of the request's sent head, if it has
 * one: its CLIENT span is then current, so the agent starts no second span (see {@link
 * WrittenHeads}). Applied before the agent's Vert.x instrumentation ({@link
 * VertxTraceHeadersInstrumentationModule#order}), so this advice runs around the agent's.
 */
final class EndedAfterHeadInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("io.vertx.core.http.impl.HttpClientRequestImpl");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        isPublic().and(nameStartsWith("end").or(named("sendHead"))),
        EndedAfterHeadInstrumentation.class.getName() + "$InSentHeadAdvice");
  }

  @SuppressWarnings("unused")
  static final class InSentHeadAdvice {

    private InSentHeadAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    static Scope enter(@Advice.This HttpClientRequest request) {
      return WrittenHeads.enterSentHead(request);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    static void exit(@Advice.Enter Scope scope) {
      if (scope != null) {
        scope.close();
      }
    }
  }
}
