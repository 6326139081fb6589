package io.sluice.javaagent.instrumentation.reactornetty;

import static net.bytebuddy.matcher.ElementMatchers.isConstructor;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import java.net.SocketAddress;
import java.util.function.Supplier;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Hands Reactor Netty the remote address Sluice asked the app's {@code HttpClient#remoteAddress}
 * supplier for, so that the whole request goes to the address its breaker was asked about and the
 * supplier is asked once per subscription, as Reactor Netty documents it ("the address to which
 * this client should connect on each subscribe"). A request with a relative URI goes to that
 * supplier's address; Sluice must know it before the request starts, to ask the breakers. Reactor
 * Netty itself asks the supplier again each time it needs the address (five times for one request
 * in 1.3.7: its connection pool's key, the connect, the {@code Host} header...): a supplier that
 * balances load or looks hosts up (which Reactor Netty documents it for) advanced, or blocked, that
 * many more times, and the request could go elsewhere than the breaker guarded.
 *
 * <p>The {@code UriEndpointFactory} constructor's supplier, which the request's {@code UriEndpoint}
 * keeps, is replaced by one that answers the address Sluice got, when {@link
 * ReactorNettyCalls#start} got one on this thread for the request being subscribed (see {@link
 * ReactorNettyCalls#suppliedOnce}); every other construction is left alone. In Reactor Netty 1.2
 * and 1.3 the handler's constructor, the first thing {@code MonoHttpConnect#subscribe} runs, builds
 * the factory. While Sluice is not started nothing is asked or replaced.
 */
final class RemoteAddressInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("reactor.netty.http.client.UriEndpointFactory");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        isConstructor().and(takesArgument(0, named("java.util.function.Supplier"))),
        RemoteAddressInstrumentation.class.getName() + "$ConstructorAdvice");
  }

  @SuppressWarnings("unused")
  static final class ConstructorAdvice {

    private ConstructorAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    static void enter(
        @Advice.Argument(value = 0, readOnly = false)
            Supplier<? extends SocketAddress> connectAddress) {
      connectAddress = ReactorNettyCalls.suppliedOnce(connectAddress);
    }
  }
}
