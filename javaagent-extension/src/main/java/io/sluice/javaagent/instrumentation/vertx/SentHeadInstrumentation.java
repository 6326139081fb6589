package io.sluice.javaagent.instrumentation.vertx;

import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import io.vertx.core.http.HttpClientRequest;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Remembers, as a Vert.x request's {@code sendHead()} returns, the context the agent's own advice
 * made current around it: its CLIENT span's (see {@link WrittenHeads}). Applied after the agent's
 * Vert.x instrumentation ({@link VertxSentHeadInstrumentationModule#order}), so this advice runs
 * inside the agent's.
 */
final class SentHeadInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("io.vertx.core.http.impl.HttpClientRequestImpl");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("sendHead").and(isPublic()).and(takesArguments(0)),
        SentHeadInstrumentation.class.getName() + "$SendHeadAdvice");
  }

  @SuppressWarnings("unused")
  static final class SendHeadAdvice {

    private SendHeadAdvice() {}

    @Advice.OnMethodExit(suppress = Throwable.class)
    static void exit(@Advice.This HttpClientRequest request) {
      WrittenHeads.remember(request);
    }
  }
}
