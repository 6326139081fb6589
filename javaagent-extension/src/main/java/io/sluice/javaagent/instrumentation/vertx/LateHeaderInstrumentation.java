package io.sluice.javaagent.instrumentation.vertx;

import static net.bytebuddy.matcher.ElementMatchers.declaresField;
import static net.bytebuddy.matcher.ElementMatchers.fieldType;
import static net.bytebuddy.matcher.ElementMatchers.isDeclaredBy;
import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import io.vertx.core.http.HttpClientRequest;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.field.FieldDescription;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Keeps the header map of a Vert.x request whose head has left unchanged, so that the event loop
 * writing that head never reads it while another thread writes it ({@code
 * io.vertx.core.http.impl.HttpClientRequestImpl#putHeader} after the head was sent does nothing).
 *
 * <p>The agent's own Vert.x client instrumentation starts its span, and puts the trace context
 * headers ({@code putHeader}), when the app first calls {@code end} or {@code sendHead}. A request
 * whose body the app writes first ({@code write}, as {@code send(ReadStream)}'s pipe does) has sent
 * its head by then: Vert.x hands the head, with the request's own header map, to the connection's
 * event loop, which encodes it later when the request runs on another event loop. The agent then
 * wrote the map while that loop iterated it: a {@code ConcurrentModificationException} killed the
 * loop's task that wrote the head, the request never left, and its response never came (a hang, one
 * request in a few thousand on a loaded machine, never without the agent). A header put after the
 * head left never reaches the wire anyway.
 *
 * <p>A request that has ended is left to Vert.x: its {@code putHeader} throws {@code
 * IllegalStateException("Request already complete")} before it touches the map, as it does without
 * the agent (skipped, the app's mistake was silently ignored).
 *
 * <p>Vert.x 5.1 notes the sent head in {@code headersSent} and the end in {@code trailersSent}, 5.0
 * in {@code headWritten} and {@code ended}: one advice per layout reads them with {@link
 * Advice.FieldValue}, which must find its fields. {@code putHeader} is synchronized on the request,
 * as Vert.x's own writes of those flags are.
 */
final class LateHeaderInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("io.vertx.core.http.impl.HttpClientRequestImpl");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    ElementMatcher.Junction<MethodDescription> putHeader =
        named("putHeader").and(isPublic()).and(takesArguments(2));
    transformer.applyAdviceToMethod(
        putHeader.and(
            isDeclaredBy(
                declaresField(sentFlag("headersSent"))
                    .and(declaresField(sentFlag("trailersSent"))))),
        LateHeaderInstrumentation.class.getName() + "$HeadersSentAdvice");
    transformer.applyAdviceToMethod(
        putHeader.and(
            isDeclaredBy(
                declaresField(sentFlag("headWritten")).and(declaresField(sentFlag("ended"))))),
        LateHeaderInstrumentation.class.getName() + "$HeadWrittenAdvice");
  }

  private static ElementMatcher.Junction<FieldDescription> sentFlag(String name) {
    return named(name).and(fieldType(boolean.class));
  }

  /** Vert.x 5.1: {@code headersSent}. */
  @SuppressWarnings("unused")
  static final class HeadersSentAdvice {

    private HeadersSentAdvice() {}

    @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
    static boolean enter(
        @Advice.FieldValue("headersSent") boolean sent,
        @Advice.FieldValue("trailersSent") boolean ended) {
      return sent && !ended;
    }

    @Advice.OnMethodExit(suppress = Throwable.class)
    static void exit(
        @Advice.This HttpClientRequest request,
        @Advice.Enter boolean skipped,
        @Advice.Return(readOnly = false) HttpClientRequest returned) {
      if (skipped) {
        returned = request; // the app may chain its calls
      }
    }
  }

  /** Vert.x 5.0: {@code headWritten}. */
  @SuppressWarnings("unused")
  static final class HeadWrittenAdvice {

    private HeadWrittenAdvice() {}

    @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
    static boolean enter(
        @Advice.FieldValue("headWritten") boolean sent, @Advice.FieldValue("ended") boolean ended) {
      return sent && !ended;
    }

    @Advice.OnMethodExit(suppress = Throwable.class)
    static void exit(
        @Advice.This HttpClientRequest request,
        @Advice.Enter boolean skipped,
        @Advice.Return(readOnly = false) HttpClientRequest returned) {
      if (skipped) {
        returned = request; // the app may chain its calls
      }
    }
  }
}
