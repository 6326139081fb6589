package io.sluice.javaagent.instrumentation;

import static io.opentelemetry.javaagent.extension.matcher.AgentElementMatchers.hasClassesNamed;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;
import net.bytebuddy.matcher.ElementMatchers;

/**
 * One advice applied to the methods that matchers, given by each client module, pick: for the
 * instrumentations several modules share (the request body's, the pool lease's), whose advice is
 * the same for every client and whose types and methods are each client's own.
 */
public abstract class MatchedMethodsInstrumentation implements TypeInstrumentation {

  private final String clientClass;
  private final ElementMatcher<TypeDescription> types;
  private final ElementMatcher<MethodDescription> methods;
  private final String advice;

  /**
   * Applies the advice class named {@code advice} (by name: the class is only read, as advice, not
   * loaded) to methods {@code methods} of types {@code types}, in class loaders that see {@code
   * clientClass} (null: in every one), so that a type matcher's hierarchy walk is not made where
   * the client is not.
   */
  protected MatchedMethodsInstrumentation(
      String clientClass,
      ElementMatcher<TypeDescription> types,
      ElementMatcher<MethodDescription> methods,
      String advice) {
    this.clientClass = clientClass;
    this.types = types;
    this.methods = methods;
    this.advice = advice;
  }

  @Override
  public final ElementMatcher<ClassLoader> classLoaderOptimization() {
    return clientClass == null ? ElementMatchers.any() : hasClassesNamed(clientClass);
  }

  @Override
  public final ElementMatcher<TypeDescription> typeMatcher() {
    return types;
  }

  @Override
  public final void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(methods, advice);
  }
}
