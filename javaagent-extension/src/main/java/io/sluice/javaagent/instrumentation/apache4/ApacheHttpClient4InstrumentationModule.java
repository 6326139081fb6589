package io.sluice.javaagent.instrumentation.apache4;

import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import java.util.List;

/**
 * Circuit breakers for Apache HttpClient 4.x (classic, {@code org.apache.http}): the client of
 * Spring Boot 2's HttpComponents {@code RestTemplate} factory, the AWS SDK v1 and many libraries.
 * It mirrors the Apache HttpClient 5 module; {@code sluice-apache-httpclient} names both, as the
 * agent's {@code apache-httpclient} names its own modules for every version.
 *
 * <p>HttpClient 4.5 has no public {@code CloseableHttpResponse} implementation, so the synthetic
 * response of mode {@code response} is a helper the agent injects into the app's class loader
 * (copied there: it holds no state).
 */
public final class ApacheHttpClient4InstrumentationModule extends InstrumentationModule {

  public ApacheHttpClient4InstrumentationModule() {
    super("sluice-apache-httpclient", "sluice-apache-httpclient-4", "sluice-http-client-breakers");
  }

  @Override
  public List<String> getAdditionalHelperClassNames() {
    // by name: loading the class here would need the app's HttpClient 4
    return List.of("io.sluice.javaagent.instrumentation.apache4.SyntheticHttpResponse");
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return List.of(new ClassicClientInstrumentation());
  }
}
