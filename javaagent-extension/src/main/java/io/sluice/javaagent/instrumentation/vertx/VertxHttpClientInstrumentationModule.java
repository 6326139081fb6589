package io.sluice.javaagent.instrumentation.vertx;

import static io.opentelemetry.javaagent.extension.matcher.AgentElementMatchers.hasClassesNamed;

import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import java.util.List;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Circuit breakers for the Vert.x 5 HTTP client (and so {@code WebClient}).
 *
 * <p>The classes of this package are copied into the extension jar unrelocated (see the module's
 * pom): their advice is inlined into the app's Vert.x and must name the app's {@code io.vertx}
 * types, not the relocated copy the extension's etcd client uses.
 */
public final class VertxHttpClientInstrumentationModule extends InstrumentationModule {

  public VertxHttpClientInstrumentationModule() {
    super("sluice-vertx-http-client", "sluice-vertx-http-client-5", "sluice-http-client-breakers");
  }

  @Override
  public ElementMatcher.Junction<ClassLoader> classLoaderMatcher() {
    // Vert.x 5 only: Completable is new in 5.0.
    return hasClassesNamed("io.vertx.core.Completable", "io.vertx.core.http.impl.HttpClientImpl");
  }

  @Override
  public List<String> getAdditionalHelperClassNames() {
    // By name: loading these classes here would need the app's Vert.x.
    return List.of(
        "io.sluice.javaagent.instrumentation.vertx.VertxCalls",
        "io.sluice.javaagent.instrumentation.vertx.VertxOutcome",
        "io.sluice.javaagent.instrumentation.vertx.VertxOutcome$ResponseOutcome",
        "io.sluice.javaagent.instrumentation.vertx.VertxSyntheticExchange",
        "io.sluice.javaagent.instrumentation.vertx.VertxSyntheticExchange$RequestAnswers",
        "io.sluice.javaagent.instrumentation.vertx.VertxSyntheticExchange$ResponseAnswers");
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return List.of(new HttpClientImplInstrumentation());
  }
}
