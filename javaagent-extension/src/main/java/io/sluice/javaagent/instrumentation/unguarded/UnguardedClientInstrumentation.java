package io.sluice.javaagent.instrumentation.unguarded;

import static io.opentelemetry.javaagent.extension.matcher.AgentElementMatchers.hasClassesNamed;
import static net.bytebuddy.matcher.ElementMatchers.isConstructor;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Applies an advice that says the app made a client Sluice does not guard ({@code
 * io.sluice.javaagent.bridge.UnguardedClients}) to the constructors of one client class, in class
 * loaders that see that class and not the one that tells a guarded release.
 */
public final class UnguardedClientInstrumentation implements TypeInstrumentation {

  private final String clientClass;
  private final String guardedReleaseClass;
  private final String advice;

  /**
   * Applies the advice class named {@code advice} to the constructors of {@code clientClass}, where
   * {@code guardedReleaseClass} (a class of the releases Sluice guards, or {@code null} when Sluice
   * guards none) is missing.
   */
  public UnguardedClientInstrumentation(
      String clientClass, String guardedReleaseClass, String advice) {
    this.clientClass = clientClass;
    this.guardedReleaseClass = guardedReleaseClass;
    this.advice = advice;
  }

  @Override
  public ElementMatcher<ClassLoader> classLoaderOptimization() {
    return guardedReleaseClass == null
        ? hasClassesNamed(clientClass)
        : hasClassesNamed(clientClass).and(not(hasClassesNamed(guardedReleaseClass)));
  }

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named(clientClass);
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(isConstructor(), advice);
  }
}
