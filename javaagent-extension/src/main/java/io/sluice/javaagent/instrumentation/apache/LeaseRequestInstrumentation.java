package io.sluice.javaagent.instrumentation.apache;

import static io.opentelemetry.javaagent.extension.matcher.AgentElementMatchers.implementsInterface;
import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.isInterface;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import io.sluice.javaagent.bridge.PoolWaits;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Measures how long a guarded call waits for a connection of the app's own pool: {@code
 * LeaseRequest#get(Timeout)} of the pooling and basic connection managers (and any other), which
 * the classic client calls on the calling thread inside the guarded {@code doExecute}, before it
 * connects. The wait is taken out of the call's duration (see {@link PoolWaits}).
 */
final class LeaseRequestInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return not(isInterface())
        .and(implementsInterface(named("org.apache.hc.client5.http.io.LeaseRequest")));
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("get")
            .and(not(isAbstract()))
            .and(takesArguments(1))
            .and(takesArgument(0, named("org.apache.hc.core5.util.Timeout"))),
        LeaseRequestInstrumentation.class.getName() + "$GetAdvice");
  }

  @SuppressWarnings("unused")
  static final class GetAdvice {

    private GetAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    static long enter() {
      return PoolWaits.leaseStarts();
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    static void exit(@Advice.Enter long started) {
      PoolWaits.leaseEnded(started);
    }
  }
}
