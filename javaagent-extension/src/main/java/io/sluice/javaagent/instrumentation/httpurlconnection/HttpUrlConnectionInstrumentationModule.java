package io.sluice.javaagent.instrumentation.httpurlconnection;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.internal.ExperimentalInstrumentationModule;
import io.sluice.javaagent.instrumentation.BreakerInstrumentationModule;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * Circuit breakers for the JDK's legacy {@code java.net.HttpURLConnection} (HTTP, and HTTPS, whose
 * public connection delegates to an HTTP one): the default client of Spring's {@code RestTemplate},
 * Feign and many SDKs.
 *
 * <p>A connection opens its call when it first connects and hears its outcome later, when the app
 * reads the response, possibly in other methods: the call is linked to the connection by a {@code
 * VirtualField<HttpURLConnection, SluiceCall>} (see {@link HttpUrlConnectionCalls}), declared here
 * with {@link ExperimentalInstrumentationModule#registerVirtualFields} as a Maven-built extension
 * must (see {@code VertxHttpClientInstrumentationModule}). The connection classes are in {@code
 * java.base}, so the helper is injected into the bootstrap loader, next to the bridge.
 */
public final class HttpUrlConnectionInstrumentationModule extends BreakerInstrumentationModule
    implements ExperimentalInstrumentationModule {

  public HttpUrlConnectionInstrumentationModule() {
    super("sluice-http-url-connection", "sluice-http-client-breakers");
  }

  @Override
  public List<String> getAdditionalHelperClassNames() {
    // by name: the helper names bridge types, which only the bootstrap loader has
    return List.of("io.sluice.javaagent.instrumentation.httpurlconnection.HttpUrlConnectionCalls");
  }

  @Override
  public void registerVirtualFields(BiConsumer<String, String> virtualFields) {
    // by name, like the helper; the call lives on the bootstrap path (see SluiceCall)
    virtualFields.accept("java.net.HttpURLConnection", "io.sluice.javaagent.bridge.SluiceCall");
  }

  @Override
  protected List<TypeInstrumentation> breakerInstrumentations() {
    return List.of(
        new HttpUrlConnectionInstrumentation(), new StreamingOutputStreamInstrumentation());
  }
}
