package io.sluice.javaagent.instrumentation.jdkhttp;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.sluice.javaagent.instrumentation.BreakerInstrumentationModule;
import java.util.List;

/**
 * Circuit breakers for the JDK's {@code java.net.http.HttpClient}, which tell the app's request
 * body failing from the target failing.
 *
 * <p>The advice of both {@code sendAsync} layouts calls {@link JdkHttpCalls}, a helper the agent
 * injects into the loader of {@code java.net.http} (the platform loader).
 */
public final class JdkHttpClientInstrumentationModule extends BreakerInstrumentationModule {

  public JdkHttpClientInstrumentationModule() {
    super("sluice-java-http-client", "sluice-http-client-breakers");
  }

  @Override
  public List<String> getAdditionalHelperClassNames() {
    // by name, as the other modules' helpers: it names bridge types, which only the bootstrap
    // loader has
    return List.of(
        "io.sluice.javaagent.instrumentation.jdkhttp.JdkHttpCalls",
        "io.sluice.javaagent.instrumentation.jdkhttp.WatchedBodyHandler",
        "io.sluice.javaagent.instrumentation.jdkhttp.WatchedBodyHandler$Subscriber");
  }

  @Override
  protected List<TypeInstrumentation> breakerInstrumentations() {
    return List.of(new HttpClientImplInstrumentation(), new RequestBodySubscriberInstrumentation());
  }
}
