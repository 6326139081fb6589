package io.sluice.javaagent.instrumentation.apache4;

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
 * ConnectionRequest#get(long, TimeUnit)} of the pooling and basic connection managers (and any
 * other), and {@code ClientConnectionRequest#getConnection(long, TimeUnit)} of the deprecated ones
 * the {@code DefaultHttpClient} family leases from, which the client calls on the calling thread
 * inside the guarded {@code doExecute}, before it connects. The wait is taken out of the call's
 * duration (see {@link PoolWaits}).
 */
final class ConnectionRequestInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return not(isInterface())
        .and(
            implementsInterface(
                named("org.apache.http.conn.ConnectionRequest")
                    .or(named("org.apache.http.conn.ClientConnectionRequest"))));
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("get")
            .or(named("getConnection"))
            .and(not(isAbstract()))
            .and(takesArguments(2))
            .and(takesArgument(0, long.class))
            .and(takesArgument(1, named("java.util.concurrent.TimeUnit"))),
        ConnectionRequestInstrumentation.class.getName() + "$GetAdvice");
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
