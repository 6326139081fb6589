package io.sluice.javaagent.instrumentation.vertx;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import io.vertx.core.Completable;
import io.vertx.core.internal.pool.PoolWaiter;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Measures each lease's wait in the queue of the app's own Vert.x connection pool ({@link
 * VertxPoolWait}), at {@code SimpleConnectionPool#acquire(ContextInternal, PoolWaiter.Listener,
 * int, Completable)}, which the HTTP client's pools of 5.0 and 5.1 ask for every connection.
 */
final class PoolAcquireInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("io.vertx.core.internal.pool.SimpleConnectionPool");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("acquire")
            .and(takesArguments(4))
            .and(takesArgument(1, named("io.vertx.core.internal.pool.PoolWaiter$Listener")))
            .and(takesArgument(3, named("io.vertx.core.Completable"))),
        PoolAcquireInstrumentation.class.getName() + "$AcquireAdvice");
  }

  @SuppressWarnings({"unused", "rawtypes", "unchecked"})
  static final class AcquireAdvice {

    private AcquireAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    static void enter(
        @Advice.Argument(value = 1, readOnly = false) PoolWaiter.Listener listener,
        @Advice.Argument(value = 3, readOnly = false) Completable answer) {
      if (listener != null && answer != null) {
        VertxPoolWait wait = new VertxPoolWait(listener, answer);
        listener = wait;
        answer = wait;
      }
    }
  }
}
