package io.sluice.javaagent.instrumentation.vertx;

import static net.bytebuddy.matcher.ElementMatchers.declaresField;
import static net.bytebuddy.matcher.ElementMatchers.fieldType;
import static net.bytebuddy.matcher.ElementMatchers.isDeclaredBy;
import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import io.vertx.core.http.HttpClientRequest;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.field.FieldDescription;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Sends the head of a Vert.x request whose body the app writes before it ends it ({@code write}, as
 * {@code send(ReadStream)}'s and {@code WebClient#sendStream}'s pipe does) through the request's
 * own {@code sendHead()} just before that first chunk, so that the agent's Vert.x instrumentation
 * starts the call's CLIENT span and puts the trace headers on the head (see {@link WrittenHeads}).
 * A request whose head the app sends itself is left alone. Vert.x 5.1 notes the sent head in {@code
 * headersSent}, 5.0 in {@code headWritten}: one advice per layout, as in {@link
 * LateHeaderInstrumentation}.
 */
final class WrittenHeadInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("io.vertx.core.http.impl.HttpClientRequestImpl");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    ElementMatcher.Junction<MethodDescription> write =
        named("write")
            .and(isPublic())
            // by name: the class is the app's
            .and(
                takesArgument(0, named("io.vertx.core.buffer.Buffer"))
                    .or(takesArgument(0, String.class)));
    transformer.applyAdviceToMethod(
        write.and(isDeclaredBy(declaresField(sentFlag("headersSent")))),
        WrittenHeadInstrumentation.class.getName() + "$HeadersSentAdvice");
    transformer.applyAdviceToMethod(
        write.and(isDeclaredBy(declaresField(sentFlag("headWritten")))),
        WrittenHeadInstrumentation.class.getName() + "$HeadWrittenAdvice");
  }

  private static ElementMatcher.Junction<FieldDescription> sentFlag(String name) {
    return named(name).and(fieldType(boolean.class));
  }

  /** Vert.x 5.1: {@code headersSent}. */
  @SuppressWarnings("unused")
  static final class HeadersSentAdvice {

    private HeadersSentAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    static void enter(
        @Advice.This HttpClientRequest request, @Advice.FieldValue("headersSent") boolean sent) {
      if (!sent) {
        WrittenHeads.sendBeforeFirstChunk(request);
      }
    }
  }

  /** Vert.x 5.0: {@code headWritten}. */
  @SuppressWarnings("unused")
  static final class HeadWrittenAdvice {

    private HeadWrittenAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    static void enter(
        @Advice.This HttpClientRequest request, @Advice.FieldValue("headWritten") boolean sent) {
      if (!sent) {
        WrittenHeads.sendBeforeFirstChunk(request);
      }
    }
  }
}
