package io.sluice.javaagent.instrumentation.reactornetty;

import static net.bytebuddy.matcher.ElementMatchers.declaresField;
import static net.bytebuddy.matcher.ElementMatchers.fieldType;
import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import io.sluice.javaagent.bridge.SluiceCall;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;
import reactor.core.CoreSubscriber;
import reactor.netty.Connection;
import reactor.netty.http.client.HttpClientConfig;

/**
 * Guards Reactor Netty's {@code HttpClientConnect.MonoHttpConnect#subscribe}: every request of an
 * {@code HttpClient} (its {@code response*} methods, {@code connect()}, WebSocket upgrades, and so
 * Spring's {@code WebClient} on Reactor Netty) is one subscription to this {@code Mono}, before any
 * connection is acquired. Reactor Netty follows redirects and retries a request on a connection
 * reset inside it (a {@code retryWhen} around its connection sink), so those are part of the app's
 * call, as with the other clients; each new subscription (an app's own {@code retry()}, a second
 * {@code block()}) is a call of its own, as each one sends a request.
 *
 * <p>A rejected call never runs the method: its subscriber gets {@code onSubscribe} and an error
 * signal (see {@link ReactorNettyCalls#reject}). A permitted call's subscriber is wrapped to follow
 * its outcome (see {@link ReactorNettyOutcome}); a permitted call the advice fails to watch is
 * abandoned at once, so it never holds a permission without an outcome to come.
 */
final class MonoHttpConnectInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    // the field the advice reads: a release without it is not instrumented rather than broken
    return named("reactor.netty.http.client.HttpClientConnect$MonoHttpConnect")
        .and(
            declaresField(
                named("config")
                    .and(fieldType(named("reactor.netty.http.client.HttpClientConfig")))));
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("subscribe")
            .and(isPublic())
            .and(takesArguments(1))
            .and(takesArgument(0, named("reactor.core.CoreSubscriber"))),
        MonoHttpConnectInstrumentation.class.getName() + "$SubscribeAdvice");
  }

  @SuppressWarnings("unused")
  static final class SubscribeAdvice {

    private SubscribeAdvice() {}

    /** Returns {@code true} for a rejected call, already answered: the method is skipped. */
    @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
    static boolean enter(
        @Advice.FieldValue("config") HttpClientConfig config,
        @Advice.Argument(value = 0, readOnly = false) CoreSubscriber<? super Connection> actual,
        @Advice.Local("sluiceCall") SluiceCall call,
        @Advice.Local("sluiceWatched") boolean watched) {
      call = ReactorNettyCalls.start(config);
      if (call == null) {
        return false;
      }
      if (call.rejected()) {
        return ReactorNettyCalls.reject(call, actual);
      }
      actual = ReactorNettyCalls.watch(call, config, actual);
      watched = true;
      return false;
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    static void exit(
        @Advice.Local("sluiceCall") SluiceCall call,
        @Advice.Local("sluiceWatched") boolean watched,
        @Advice.Thrown Throwable thrown) {
      ReactorNettyCalls.forgetSupplied();
      // thrown before anything was sent (a URL Reactor Netty refuses), or a permitted call the
      // advice failed to watch: no outcome will come, so the permission is given back
      if (call != null && !call.rejected() && (thrown != null || !watched)) {
        call.abandon();
      }
    }
  }
}
