package io.sluice.javaagent.instrumentation.vertx;

import static io.opentelemetry.javaagent.extension.matcher.AgentElementMatchers.hasClassesNamed;
import static net.bytebuddy.matcher.ElementMatchers.isPrivate;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import io.vertx.core.Promise;
import io.vertx.core.streams.WriteStream;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Tells a request body the app fails from the request failing to send it, for a body the app gives
 * as a {@code ReadStream} ({@code HttpClientRequest#send(ReadStream)}, {@code
 * WebClient#sendStream}), which Vert.x pipes into the request ({@code
 * io.vertx.core.streams.impl.PipeImpl}, the same in 5.0 and 5.1).
 *
 * <p>A pipe fails ({@code handleFailure}) when its source fails (the app's stream: its file went
 * away, its producer failed, its own upstream connection closed, the app closed the pipe) or when a
 * write to the request failed (the connection to the target). The pipe itself tells the two apart:
 * it fails its own result with a failed write wrapped in its private {@code WriteException} and
 * hands {@code handleFailure} the write's failure unwrapped, while a failure of the source is the
 * result's failure as it is. The first stays the target's (the request's own outcome counts); the
 * second is the app's, and the request's call is discarded at once: it counts neither way whatever
 * follows. That matters most for {@code send(ReadStream)}: its pipe ends the request where the body
 * failed, and the server's answer to that cut request (the app gets it as if nothing failed) would
 * otherwise count as the target's; {@code WebClient} resets the request instead, which abandons the
 * call (see {@link HttpClientRequestInstrumentation}), and would count it as slow past the policy's
 * {@code slowCallDuration}.
 *
 * <p>Nothing is noted about the exception itself ({@code RequestBodyFailures} is not asked): Vert.x
 * fails every stream whose connection closed with one shared {@code HttpClosedException}, which
 * would then be the app's for the process's life, also when it fails a request whose connection the
 * target closed.
 */
final class PipeInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<ClassLoader> classLoaderOptimization() {
    return hasClassesNamed("io.vertx.core.streams.impl.PipeImpl");
  }

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("io.vertx.core.streams.impl.PipeImpl");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("handleFailure")
            .and(isPrivate())
            .and(takesArguments(2))
            .and(takesArgument(0, Throwable.class)),
        PipeInstrumentation.class.getName() + "$FailureAdvice");
  }

  @SuppressWarnings("unused")
  static final class FailureAdvice {

    private FailureAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    static void enter(
        @Advice.Argument(0) Throwable cause,
        @Advice.FieldValue("dst") WriteStream<?> dst,
        @Advice.FieldValue("result") Promise<?> result) {
      VertxRequestCalls.pipeFailed(dst, cause, result.future().cause());
    }
  }
}
