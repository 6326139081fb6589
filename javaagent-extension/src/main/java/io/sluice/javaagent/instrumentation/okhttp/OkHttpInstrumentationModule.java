package io.sluice.javaagent.instrumentation.okhttp;

import static io.opentelemetry.javaagent.extension.matcher.AgentElementMatchers.hasClassesNamed;

import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import java.util.List;
import net.bytebuddy.matcher.ElementMatcher;

/** Circuit breakers for OkHttp 3.12 to 5 ({@code Call#execute} and {@code Call#enqueue}). */
public final class OkHttpInstrumentationModule extends InstrumentationModule {

  public OkHttpInstrumentationModule() {
    super("sluice-okhttp", "sluice-okhttp-4", "sluice-http-client-breakers");
  }

  @Override
  public ElementMatcher.Junction<ClassLoader> classLoaderMatcher() {
    // NullProxySelector came with OkHttp 3.12, as did Call#timeout, the newest API the advice
    // calls, and is still there in 4.x and 5.x; older 3.x are not matched. Kotlin is not
    // required: 3.x is Java.
    return hasClassesNamed(
        "okhttp3.internal.http.RetryAndFollowUpInterceptor",
        "okhttp3.internal.proxy.NullProxySelector");
  }

  @Override
  public List<String> getAdditionalHelperClassNames() {
    return List.of("io.sluice.javaagent.instrumentation.okhttp.OkHttpCallTimeouts");
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return List.of(
        new RetryAndFollowUpInterceptorInstrumentation(), new CallTimeoutInstrumentation());
  }
}
