package io.sluice.javaagent.instrumentation.requestbody;

import io.sluice.javaagent.bridge.RequestBodyFailures;
import io.sluice.javaagent.instrumentation.MatchedMethodsInstrumentation;
import java.io.IOException;
import java.net.ProtocolException;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Notes the I/O failures of a client's own streams or sinks that carry a request body to the
 * connection ({@link RequestBodyFailures#sendFailed}): every byte a body writer sends to the target
 * passes through one of them, so an {@code IOException} one throws on the writer's thread is the
 * target's (reset, closed, timed out), whatever the app's writer makes of it.
 *
 * <p>Except a {@link ProtocolException}: these streams and sinks throw it themselves when a body
 * breaks the length it declared (OkHttp: {@code expected 2 bytes but received 14} when the writer
 * writes more, {@code unexpected end of stream} when the sink is closed short), which is the app's
 * mistake ({@link RequestBodyFailures#appBodyFailed}); the connection never raises one there.
 * Apache HttpClient's content streams throw none: they drop what goes past the declared length and
 * send a short body as it is.
 */
final class BodyTransportInstrumentation extends MatchedMethodsInstrumentation {

  BodyTransportInstrumentation(
      ElementMatcher<TypeDescription> types, ElementMatcher<MethodDescription> methods) {
    super(null, types, methods, BodyTransportInstrumentation.class.getName() + "$IoAdvice");
  }

  @SuppressWarnings("unused")
  static final class IoAdvice {

    private IoAdvice() {}

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    static void exit(@Advice.Thrown Throwable thrown) {
      if (thrown instanceof ProtocolException) {
        RequestBodyFailures.appBodyFailed(thrown);
      } else if (thrown instanceof IOException) {
        RequestBodyFailures.sendFailed(thrown);
      }
    }
  }
}
