package io.sluice.javaagent.instrumentation.requestbody;

import io.sluice.javaagent.bridge.RequestBodyFailures;
import io.sluice.javaagent.instrumentation.MatchedMethodsInstrumentation;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Notes what a request body writer throws ({@link RequestBodyFailures#writerThrew}): the app's
 * failure (its file is gone, its serializer failed, an {@code IOException} too), unless it is, or
 * wraps, what the client's own stream or sink threw on that thread while sending the body. A body
 * inside another (a multipart body's parts, a compressing wrapper) is noted by each writer it
 * passes through, alike. The same advice notes what the app's interceptors throw ({@link
 * RequestBodyInstrumentations#appHooks}).
 */
final class BodyWriterInstrumentation extends MatchedMethodsInstrumentation {

  BodyWriterInstrumentation(
      String clientClass,
      ElementMatcher<TypeDescription> types,
      ElementMatcher<MethodDescription> methods) {
    super(clientClass, types, methods, BodyWriterInstrumentation.class.getName() + "$WriteAdvice");
  }

  @SuppressWarnings("unused")
  static final class WriteAdvice {

    private WriteAdvice() {}

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    static void exit(@Advice.Thrown Throwable thrown) {
      if (thrown != null) {
        RequestBodyFailures.writerThrew(thrown);
      }
    }
  }
}
