package io.sluice.javaagent.instrumentation.jdkhttp;

import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import java.util.List;

/**
 * Circuit breakers for the JDK's {@code java.net.http.HttpClient}, which tell the app's request
 * body failing from the target failing.
 */
public final class JdkHttpClientInstrumentationModule extends InstrumentationModule {

  public JdkHttpClientInstrumentationModule() {
    super("sluice-java-http-client", "sluice-http-client-breakers");
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return List.of(new HttpClientImplInstrumentation(), new RequestBodySubscriberInstrumentation());
  }
}
