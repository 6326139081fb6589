package io.sluice.javaagent.instrumentation.okhttp;

import static io.opentelemetry.javaagent.extension.matcher.AgentElementMatchers.extendsClass;
import static net.bytebuddy.matcher.ElementMatchers.nameStartsWith;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Notes when an OkHttp call's {@code callTimeout} expires ({@link OkHttpCallTimeouts}): OkHttp's
 * {@code okio.AsyncTimeout} subclasses ({@code RealCall$timeout$1} in 4.x and 5.x, {@code
 * Transmitter$1} in 3.14, {@code RealCall$1} in 3.12) cancel the call in {@code timedOut()}, on
 * okio's watchdog thread, before the request's thread hears of it.
 */
final class CallTimeoutInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return nameStartsWith("okhttp3.").and(extendsClass(named("okio.AsyncTimeout")));
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("timedOut").and(takesArguments(0)),
        CallTimeoutInstrumentation.class.getName() + "$TimedOutAdvice");
  }

  @SuppressWarnings("unused")
  static final class TimedOutAdvice {

    private TimedOutAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    static void enter(@Advice.This Object timeout) {
      OkHttpCallTimeouts.expired(timeout);
    }
  }
}
