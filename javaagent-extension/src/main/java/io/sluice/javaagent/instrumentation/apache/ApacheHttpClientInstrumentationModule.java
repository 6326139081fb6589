package io.sluice.javaagent.instrumentation.apache;

import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import java.util.List;

/** Circuit breakers for Apache HttpClient 5 (classic). */
public final class ApacheHttpClientInstrumentationModule extends InstrumentationModule {

  public ApacheHttpClientInstrumentationModule() {
    super("sluice-apache-httpclient", "sluice-apache-httpclient-5", "sluice-http-client-breakers");
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return List.of(new ClassicClientInstrumentation());
  }
}
