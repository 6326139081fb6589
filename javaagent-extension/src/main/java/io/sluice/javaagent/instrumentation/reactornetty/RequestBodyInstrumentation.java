package io.sluice.javaagent.instrumentation.reactornetty;

import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import java.util.concurrent.Callable;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;
import org.reactivestreams.Publisher;

/**
 * Watches the request bodies the app hands Reactor Netty's client request ({@code
 * HttpClientOperations}, the {@code NettyOutbound} of the app's {@code send(...)}), so that a body
 * the app fails to produce is not the target's failure (see {@link ReactorNettyOutcome#watchBody}):
 * {@code send(Publisher)}, which {@code HttpClient}'s {@code send(Publisher)}, {@code sendString},
 * {@code sendByteArray} and Spring's {@code WebClient} go through, and {@code sendUsing}, which
 * {@code sendFile} goes through. Both are declared by {@code HttpClientOperations} itself in
 * Reactor Netty 1.x, so servers' operations are left alone.
 */
final class RequestBodyInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("reactor.netty.http.client.HttpClientOperations");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("send")
            .and(isPublic())
            .and(takesArguments(1))
            .and(takesArgument(0, named("org.reactivestreams.Publisher"))),
        RequestBodyInstrumentation.class.getName() + "$SendAdvice");
    transformer.applyAdviceToMethod(
        named("sendUsing")
            .and(isPublic())
            .and(takesArguments(3))
            .and(takesArgument(0, named("java.util.concurrent.Callable"))),
        RequestBodyInstrumentation.class.getName() + "$SendUsingAdvice");
  }

  @SuppressWarnings("unused")
  static final class SendAdvice {

    private SendAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    static void enter(
        @Advice.This Object outbound,
        @Advice.Argument(value = 0, readOnly = false) Publisher<?> body) {
      body = ReactorNettyOutcome.watchBody(outbound, body);
    }
  }

  @SuppressWarnings("unused")
  static final class SendUsingAdvice {

    private SendUsingAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    static void enter(
        @Advice.This Object outbound,
        @Advice.Argument(value = 0, readOnly = false) Callable<?> source) {
      source = ReactorNettyOutcome.watchBody(outbound, source);
    }
  }
}
