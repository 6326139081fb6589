package io.sluice.javaagent.instrumentation.jdkhttp;

import static net.bytebuddy.matcher.ElementMatchers.declaresField;
import static net.bytebuddy.matcher.ElementMatchers.fieldType;
import static net.bytebuddy.matcher.ElementMatchers.isDeclaredBy;
import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import io.sluice.javaagent.bridge.RequestBodyFailures;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;
import net.bytebuddy.matcher.ElementMatchers;

/**
 * Notes the failures of the app's request bodies ({@link RequestBodyFailures}): the JDK client's
 * subscribers of a request's {@code BodyPublisher} (HTTP/1.1: {@code Http1Request$StreamSubscriber}
 * and {@code $FixedContentSubscriber}; HTTP/2: {@code Stream$RequestSubscriber}) hear {@code
 * onError} only from that publisher, the app's own or one of the JDK's reading the app's stream or
 * file. The JDK fails the call with that very exception ({@code send} wraps it in an {@code
 * IOException}, whose cause it is), so the call counts neither way. Errors of the connection never
 * pass through these subscribers: the client cancels the publisher's subscription instead.
 *
 * <p>HTTP/1.1 subscribers hand every failure of the body to the exchange through {@code
 * Http1Exchange#appendToOutgoing(Throwable)}, which nothing else calls: the publisher's {@code
 * onError}, a publisher breaking the protocol ({@code already subscribed}), and a body that breaks
 * the length the publisher declared, which the subscriber itself fails with ({@code Too few bytes
 * returned by the publisher}, {@code Too many bytes in request body}): the app's mistake too.
 *
 * <p>The HTTP/2 subscriber fails such a body inside {@code trySend}, where connection errors end up
 * too. A body shorter than declared is told apart where it is found: {@code complete()}, called
 * once the publisher completed and every byte it published was sent, throws when bytes are still
 * owed ({@code remainingContentLength > 0}), having reset the stream (which never throws); that
 * throw is noted before {@code trySend} fails the call with it. A body longer than declared is
 * thrown from {@code trySend}'s own body, with no method boundary to note it at before the call
 * fails: such a call still counts as a failure over HTTP/2.
 */
final class RequestBodySubscriberInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return namedOneOf(
        "jdk.internal.net.http.Http1Request$StreamSubscriber",
        "jdk.internal.net.http.Http1Request$FixedContentSubscriber",
        "jdk.internal.net.http.Stream$RequestSubscriber",
        "jdk.internal.net.http.Http1Exchange");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("onError")
            .and(isPublic())
            .and(takesArguments(1))
            .and(takesArgument(0, Throwable.class))
            .and(not(isDeclaredBy(named("jdk.internal.net.http.Http1Exchange"))))
            .or(
                named("appendToOutgoing")
                    .and(takesArguments(1))
                    .and(takesArgument(0, Throwable.class))
                    .and(isDeclaredBy(named("jdk.internal.net.http.Http1Exchange")))),
        RequestBodySubscriberInstrumentation.class.getName() + "$OnErrorAdvice");
    // only where the field the advice reads is there: a JDK without it is left as it is
    transformer.applyAdviceToMethod(
        named("complete")
            .and(takesArguments(0))
            .and(
                isDeclaredBy(
                    ElementMatchers.<TypeDescription>named(
                            "jdk.internal.net.http.Stream$RequestSubscriber")
                        .and(
                            declaresField(
                                named("remainingContentLength").and(fieldType(long.class)))))),
        RequestBodySubscriberInstrumentation.class.getName() + "$Http2ShortBodyAdvice");
  }

  @SuppressWarnings("unused")
  static final class OnErrorAdvice {

    private OnErrorAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    static void enter(@Advice.Argument(0) Throwable error) {
      RequestBodyFailures.appBodyFailed(error);
    }
  }

  /**
   * HTTP/2's {@code Stream$RequestSubscriber#complete()}: what it throws while the body still owes
   * bytes is the JDK refusing a body shorter than its publisher declared.
   */
  @SuppressWarnings("unused")
  static final class Http2ShortBodyAdvice {

    private Http2ShortBodyAdvice() {}

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    static void exit(
        @Advice.Thrown Throwable thrown,
        @Advice.FieldValue("remainingContentLength") long remainingContentLength) {
      if (thrown != null && remainingContentLength > 0) {
        RequestBodyFailures.appBodyFailed(thrown);
      }
    }
  }
}
