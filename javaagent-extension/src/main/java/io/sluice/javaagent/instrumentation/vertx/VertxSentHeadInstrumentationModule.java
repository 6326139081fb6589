package io.sluice.javaagent.instrumentation.vertx;

import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.internal.ExperimentalInstrumentationModule;
import java.util.List;
import java.util.function.BiConsumer;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * The part of {@link VertxTraceHeadersInstrumentationModule} that must run inside the agent's
 * Vert.x advice rather than around it ({@link SentHeadInstrumentation}): ordered after the agent's
 * Vert.x instrumentation. Switched with it, by the same name.
 */
public final class VertxSentHeadInstrumentationModule extends InstrumentationModule
    implements ExperimentalInstrumentationModule {

  public VertxSentHeadInstrumentationModule() {
    super(
        VertxTraceHeadersInstrumentationModule.NAME,
        VertxTraceHeadersInstrumentationModule.NAME + "-5");
  }

  @Override
  public int order() {
    return 1;
  }

  @Override
  public ElementMatcher.Junction<ClassLoader> classLoaderMatcher() {
    return VertxTraceHeadersInstrumentationModule.vertx5();
  }

  @Override
  public List<String> getAdditionalHelperClassNames() {
    return VertxTraceHeadersInstrumentationModule.helpers();
  }

  @Override
  public void registerVirtualFields(BiConsumer<String, String> virtualFields) {
    VertxTraceHeadersInstrumentationModule.registerSentHeads(virtualFields);
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return List.of(new SentHeadInstrumentation());
  }
}
