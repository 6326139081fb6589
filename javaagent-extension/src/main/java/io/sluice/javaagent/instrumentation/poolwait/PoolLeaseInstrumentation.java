package io.sluice.javaagent.instrumentation.poolwait;

import io.sluice.javaagent.bridge.PoolWaits;
import io.sluice.javaagent.instrumentation.MatchedMethodsInstrumentation;
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
public final class PoolLeaseInstrumentation extends MatchedMethodsInstrumentation {

  /**
   * Around the lease methods {@code methods} of types {@code types}, in class loaders that see
   * {@code clientClass} (the hierarchy walk of an interface matcher is not made in the others).
   */
  public PoolLeaseInstrumentation(
      String clientClass,
      ElementMatcher<TypeDescription> types,
      ElementMatcher<MethodDescription> methods) {
    super(clientClass, types, methods, PoolLeaseInstrumentation.class.getName() + "$LeaseAdvice");
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
