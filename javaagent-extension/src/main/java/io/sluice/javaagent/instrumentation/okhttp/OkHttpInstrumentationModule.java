package io.sluice.javaagent.instrumentation.okhttp;

import static io.opentelemetry.javaagent.extension.matcher.AgentElementMatchers.hasClassesNamed;

import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import java.util.List;
import net.bytebuddy.matcher.ElementMatcher;

/** Circuit breakers for OkHttp 4 ({@code Call#execute} and {@code Call#enqueue}). */
public final class OkHttpInstrumentationModule extends InstrumentationModule {

  public OkHttpInstrumentationModule() {
    super("sluice-okhttp", "sluice-okhttp-4", "sluice-http-client-breakers");
  }

  @Override
  public ElementMatcher.Junction<ClassLoader> classLoaderMatcher() {
    // OkHttp 4 is Kotlin; 3.x has no okhttp3.internal.connection.RealCall$AsyncCall in Kotlin form.
    return hasClassesNamed("okhttp3.internal.http.RetryAndFollowUpInterceptor", "kotlin.Unit");
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return List.of(new RetryAndFollowUpInterceptorInstrumentation());
  }
}
