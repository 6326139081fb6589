package io.sluice.javaagent.instrumentation.okhttp;

import static io.opentelemetry.javaagent.extension.matcher.AgentElementMatchers.hasClassesNamed;

import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import java.util.List;
import net.bytebuddy.matcher.ElementMatcher;

/** Circuit breakers for OkHttp 3.14, 4 and 5 ({@code Call#execute} and {@code Call#enqueue}). */
public final class OkHttpInstrumentationModule extends InstrumentationModule {

  public OkHttpInstrumentationModule() {
    super("sluice-okhttp", "sluice-okhttp-4", "sluice-http-client-breakers");
  }

  @Override
  public ElementMatcher.Junction<ClassLoader> classLoaderMatcher() {
    // Exchange came with OkHttp 3.14 and is still there in 4.x and 5.x: older 3.x lack API the
    // advice
    // calls (Call#timeout came in 3.12) and are not tested. Kotlin is not required: 3.14 is Java.
    return hasClassesNamed(
        "okhttp3.internal.http.RetryAndFollowUpInterceptor",
        "okhttp3.internal.connection.Exchange");
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return List.of(new RetryAndFollowUpInterceptorInstrumentation());
  }
}
