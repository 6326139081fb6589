package io.sluice.javaagent.instrumentation.vertx;

import static io.opentelemetry.javaagent.extension.matcher.AgentElementMatchers.hasClassesNamed;

import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.internal.ExperimentalInstrumentationModule;
import java.util.List;
import java.util.function.BiConsumer;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * The trace context headers and CLIENT span of Vert.x 5 client requests, which the agent's own
 * Vert.x instrumentation puts and starts when the app ends the request or sends its head: a request
 * whose body the app writes first gets them on its head ({@link WrittenHeadInstrumentation}), a
 * request whose head left before it ends keeps one CLIENT span ({@link
 * EndedAfterHeadInstrumentation}, with {@link VertxSentHeadInstrumentationModule}), and nothing is
 * put into a head that left already ({@link LateHeaderInstrumentation}). Apart from the breakers:
 * turning them off ({@code sluice-http-client-breakers}) leaves this as it is; {@code
 * otel.instrumentation.sluice-vertx-trace-headers.enabled=false} turns it off.
 *
 * <p>Ordered before the agent's Vert.x instrumentation, so that its advice runs around the agent's.
 */
public final class VertxTraceHeadersInstrumentationModule extends InstrumentationModule
    implements ExperimentalInstrumentationModule {

  public VertxTraceHeadersInstrumentationModule() {
    super(NAME, NAME + "-5");
  }

  /** The module's name, shared with {@link VertxSentHeadInstrumentationModule}. */
  static final String NAME = "sluice-vertx-trace-headers";

  @Override
  public int order() {
    return -1;
  }

  @Override
  public ElementMatcher.Junction<ClassLoader> classLoaderMatcher() {
    return vertx5();
  }

  /** Vert.x 5 only: {@code Completable} is new in 5.0. */
  static ElementMatcher.Junction<ClassLoader> vertx5() {
    return hasClassesNamed("io.vertx.core.Completable", "io.vertx.core.http.impl.HttpClientImpl");
  }

  @Override
  public List<String> getAdditionalHelperClassNames() {
    return helpers();
  }

  /** By name: loading these classes here would need the app's Vert.x. */
  static List<String> helpers() {
    return List.of(
        "io.sluice.javaagent.instrumentation.vertx.WrittenHeads",
        "io.sluice.javaagent.instrumentation.vertx.WrittenHeads$SentHead");
  }

  @Override
  public void registerVirtualFields(BiConsumer<String, String> virtualFields) {
    registerSentHeads(virtualFields);
  }

  /** The link from a request to the context of its sent head (see {@link WrittenHeads}). */
  static void registerSentHeads(BiConsumer<String, String> virtualFields) {
    virtualFields.accept(
        "io.vertx.core.http.HttpClientRequest",
        "io.sluice.javaagent.instrumentation.vertx.WrittenHeads$SentHead");
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return List.of(
        new WrittenHeadInstrumentation(),
        new EndedAfterHeadInstrumentation(),
        new LateHeaderInstrumentation());
  }
}
