package io.sluice.javaagent.instrumentation.poolwait;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import io.sluice.javaagent.bridge.PoolWaits;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Measures how long a guarded call waits for a connection of the app's own pool, for a client that
 * leases one on the calling thread inside the method its guard advises: around the lease methods
 * {@code methods} of types {@code types}. The wait is taken out of the call's duration (see {@link
 * PoolWaits}). A client module lists one with its own instrumentations.
 */
public final class PoolLeaseInstrumentation implements TypeInstrumentation {

  private final ElementMatcher<TypeDescription> types;
  private final ElementMatcher<MethodDescription> methods;

  /** Around the lease methods {@code methods} of types {@code types}. */
  public PoolLeaseInstrumentation(
      ElementMatcher<TypeDescription> types, ElementMatcher<MethodDescription> methods) {
    this.types = types;
    this.methods = methods;
  }

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return types;
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        methods, PoolLeaseInstrumentation.class.getName() + "$LeaseAdvice");
  }

  @SuppressWarnings("unused")
  static final class LeaseAdvice {

    private LeaseAdvice() {}

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
