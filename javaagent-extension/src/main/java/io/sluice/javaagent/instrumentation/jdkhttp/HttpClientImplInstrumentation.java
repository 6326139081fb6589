package io.sluice.javaagent.instrumentation.jdkhttp;

import static net.bytebuddy.matcher.ElementMatchers.declaresField;
import static net.bytebuddy.matcher.ElementMatchers.fieldType;
import static net.bytebuddy.matcher.ElementMatchers.isDeclaredBy;
import static net.bytebuddy.matcher.ElementMatchers.isPrivate;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import io.sluice.javaagent.bridge.ClientsShutDownNow;
import io.sluice.javaagent.bridge.OutcomeFirstFuture;
import io.sluice.javaagent.bridge.SluiceCall;
import java.net.http.HttpRequest;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.implementation.bytecode.assign.Assigner;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Guards {@code jdk.internal.net.http.HttpClientImpl}'s private four-argument {@code sendAsync}:
 * the public {@code send} and both public {@code sendAsync} overloads all end there exactly once,
 * so every call is counted once whichever API the app uses. {@code send} unwraps the failed future
 * into the exception it throws. The future it returns is an {@link OutcomeFirstFuture}: the app
 * sees the answer only after the breaker counted it, and cancelling it abandons the call (neither a
 * success nor a failure). The agent's own advice sits on the public methods, around ours, so a
 * rejected call still has its CLIENT span. On Java 21 and later, a call on a client the app shut
 * down is left to the JDK, which refuses it before anything leaves ({@link
 * SendAsyncOnAClosableClientAdvice}), and a call the app aborts with {@code shutdownNow()} counts
 * neither way ({@link ShutdownNowAdvice}). Both {@code sendAsync} advices only call {@link
 * JdkHttpCalls}.
 */
final class HttpClientImplInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("jdk.internal.net.http.HttpClientImpl");
  }

  /**
   * Java 21 and later: the client the app shut down ({@code HttpClient#shutdown}, {@code close},
   * {@code shutdownNow}) says so in this field, which {@code sendAsync} reads itself.
   */
  private static final ElementMatcher.Junction<TypeDescription> CLOSABLE =
      declaresField(named("shutdownRequested").and(fieldType(boolean.class)));

  @Override
  public void transform(TypeTransformer transformer) {
    ElementMatcher.Junction<MethodDescription> sendAsync =
        named("sendAsync")
            .and(isPrivate())
            .and(takesArguments(4))
            .and(takesArgument(0, named("java.net.http.HttpRequest")));
    // one advice per layout: @Advice.FieldValue must find its field
    transformer.applyAdviceToMethod(
        sendAsync.and(isDeclaredBy(CLOSABLE)),
        HttpClientImplInstrumentation.class.getName() + "$SendAsyncOnAClosableClientAdvice");
    transformer.applyAdviceToMethod(
        sendAsync.and(isDeclaredBy(not(CLOSABLE))),
        HttpClientImplInstrumentation.class.getName() + "$SendAsyncAdvice");
    transformer.applyAdviceToMethod(
        named("shutdownNow").and(takesArguments(0)).and(isDeclaredBy(CLOSABLE)),
        HttpClientImplInstrumentation.class.getName() + "$ShutdownNowAdvice");
  }

  @SuppressWarnings("unused")
  static final class SendAsyncAdvice {

    private SendAsyncAdvice() {}

    /** Returns the rejected call's answer, which skips the method, or {@code null}. */
    @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
    static Object enter(
        @Advice.Argument(0) HttpRequest request,
        @Advice.Argument(value = 1, readOnly = false, typing = Assigner.Typing.DYNAMIC)
            Object handler,
        @Advice.Local("sluiceCall") SluiceCall call) {
      call = JdkHttpCalls.start(request);
      Object rejection = JdkHttpCalls.rejection(call, request, handler);
      if (rejection == null) {
        handler = JdkHttpCalls.handler(call, handler);
      }
      return rejection;
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    static void exit(
        @Advice.Enter Object rejection,
        @Advice.Local("sluiceCall") SluiceCall call,
        @Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC) Object future,
        @Advice.Thrown Throwable thrown) {
      future = rejection != null ? rejection : JdkHttpCalls.returned(call, future, thrown, null);
    }
  }

  /**
   * As {@link SendAsyncAdvice}, on a client of Java 21 or later: a call on a client the app shut
   * down is not guarded. The JDK fails it at once with {@code IOException: closed}, before anything
   * leaves, which says nothing about the target: counted, a burst of them (an app still calling
   * while it shuts down, or using a client it closed) opened the breaker of a healthy target. A
   * call under way fails as the app's when it aborts it with {@code shutdownNow()}: its future is
   * told the client ({@link ShutdownNowAdvice}).
   */
  @SuppressWarnings("unused")
  static final class SendAsyncOnAClosableClientAdvice {

    private SendAsyncOnAClosableClientAdvice() {}

    /** Returns the rejected call's answer, which skips the method, or {@code null}. */
    @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
    static Object enter(
        @Advice.Argument(0) HttpRequest request,
        @Advice.Argument(value = 1, readOnly = false, typing = Assigner.Typing.DYNAMIC)
            Object handler,
        @Advice.FieldValue("shutdownRequested") boolean shutdown,
        @Advice.Local("sluiceCall") SluiceCall call) {
      if (shutdown) {
        return null; // the JDK refuses the call itself, before anything leaves
      }
      call = JdkHttpCalls.start(request);
      Object rejection = JdkHttpCalls.rejection(call, request, handler);
      if (rejection == null) {
        handler = JdkHttpCalls.handler(call, handler);
      }
      return rejection;
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    static void exit(
        @Advice.This Object client,
        @Advice.Enter Object rejection,
        @Advice.Local("sluiceCall") SluiceCall call,
        @Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC) Object future,
        @Advice.Thrown Throwable thrown) {
      future = rejection != null ? rejection : JdkHttpCalls.returned(call, future, thrown, client);
    }
  }

  /**
   * Java 21 and later: notes the client the app shuts down with {@code shutdownNow()} before the
   * JDK fails the calls under way with {@code IOException: shutdownNow}, so that those count
   * neither way ({@link ClientsShutDownNow}, read by {@link OutcomeFirstFuture}). A graceful {@code
   * shutdown()} lets the calls under way finish: their outcomes still count.
   */
  @SuppressWarnings("unused")
  static final class ShutdownNowAdvice {

    private ShutdownNowAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    static void enter(@Advice.This Object client) {
      ClientsShutDownNow.shutDownNow(client);
    }
  }
}
