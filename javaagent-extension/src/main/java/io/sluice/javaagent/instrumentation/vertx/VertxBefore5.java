package io.sluice.javaagent.instrumentation.vertx;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.sluice.javaagent.bridge.UnguardedClients;
import io.sluice.javaagent.instrumentation.unguarded.UnguardedClientInstrumentation;
import net.bytebuddy.asm.Advice;

/**
 * Says once that the app made an HTTP client of Vert.x before 5 (its {@code HttpClient}, or a
 * {@code WebClient} on it), which Sluice does not guard ({@link UnguardedClients}). In this package
 * so that the Vert.x class names stay unrelocated (see {@link
 * VertxHttpClientInstrumentationModule}).
 */
public final class VertxBefore5 {

  private VertxBefore5() {}

  /** The constructors of Vert.x's {@code HttpClientImpl} where {@code Completable} (5.0) is not. */
  public static TypeInstrumentation instrumentation() {
    return new UnguardedClientInstrumentation(
        "io.vertx.core.http.impl.HttpClientImpl",
        "io.vertx.core.Completable",
        VertxBefore5.class.getName() + "$Before5Advice");
  }

  @SuppressWarnings("unused")
  static final class Before5Advice {

    private Before5Advice() {}

    @Advice.OnMethodExit(suppress = Throwable.class)
    static void exit() {
      UnguardedClients.inUse(
          "a Vert.x HttpClient of a release before 5 (HttpClient, WebClient)",
          "Sluice guards Vert.x 5");
    }
  }
}
