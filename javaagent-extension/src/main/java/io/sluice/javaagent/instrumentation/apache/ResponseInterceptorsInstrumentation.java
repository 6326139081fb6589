package io.sluice.javaagent.instrumentation.apache;

import static io.opentelemetry.javaagent.extension.matcher.AgentElementMatchers.implementsInterface;
import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.isInterface;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.sluice.javaagent.bridge.RefusedResponses;
import io.sluice.javaagent.instrumentation.MatchedMethodsInstrumentation;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;
import org.apache.hc.core5.http.HttpResponse;

/**
 * Notes a response the app's response interceptor refused by throwing ({@link RefusedResponses}),
 * at {@code HttpProcessor#process(HttpResponse, EntityDetails, HttpContext)}, which runs the
 * response interceptors: {@link ClassicClientInstrumentation} then judges the call by the
 * response's status.
 */
final class ResponseInterceptorsInstrumentation extends MatchedMethodsInstrumentation {

  /** The client's processor, which runs the request and the response interceptors. */
  static final String PROCESSOR = "org.apache.hc.core5.http.protocol.HttpProcessor";

  ResponseInterceptorsInstrumentation() {
    super(
        PROCESSOR,
        processors(),
        process("org.apache.hc.core5.http.HttpResponse"),
        ResponseInterceptorsInstrumentation.class.getName() + "$ProcessAdvice");
  }

  /** Every implementation of the client's processor. */
  static ElementMatcher<TypeDescription> processors() {
    return not(isInterface()).and(implementsInterface(named(PROCESSOR)));
  }

  /** The processor's {@code process} for a message of class {@code message}. */
  static ElementMatcher<MethodDescription> process(String message) {
    return named("process")
        .and(not(isAbstract()))
        .and(takesArguments(3))
        .and(takesArgument(0, named(message)));
  }

  @SuppressWarnings("unused")
  static final class ProcessAdvice {

    private ProcessAdvice() {}

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    static void exit(@Advice.Argument(0) HttpResponse response, @Advice.Thrown Throwable thrown) {
      if (thrown != null && response != null) {
        RefusedResponses.refused(response.getCode(), thrown);
      }
    }
  }
}
