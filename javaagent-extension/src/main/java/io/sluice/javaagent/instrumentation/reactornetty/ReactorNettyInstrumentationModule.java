package io.sluice.javaagent.instrumentation.reactornetty;

import static io.opentelemetry.javaagent.extension.matcher.AgentElementMatchers.hasClassesNamed;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.sluice.javaagent.instrumentation.BreakerInstrumentationModule;
import java.util.List;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Circuit breakers for Reactor Netty's {@code HttpClient} ({@code reactor-netty-http} 1.x, and so
 * Spring's {@code WebClient} with its default connector).
 *
 * <p>The classes of this package are copied into the extension jar unrelocated (see the module's
 * pom): their advice and helpers are inlined into, or injected next to, the app's Reactor Netty and
 * name its {@code io.netty} types, not the relocated copy the extension's etcd client uses.
 */
public final class ReactorNettyInstrumentationModule extends BreakerInstrumentationModule {

  public ReactorNettyInstrumentationModule() {
    super("sluice-reactor-netty", "sluice-reactor-netty-1", "sluice-http-client-breakers");
  }

  @Override
  public ElementMatcher.Junction<ClassLoader> classLoaderMatcher() {
    return hasClassesNamed(
        "reactor.netty.http.client.HttpClientConnect$MonoHttpConnect",
        "reactor.netty.http.client.HttpClientConfig",
        "reactor.core.CoreSubscriber");
  }

  @Override
  public List<String> getAdditionalHelperClassNames() {
    // By name: loading these classes here would need the app's Reactor Netty.
    return List.of(
        "io.sluice.javaagent.instrumentation.reactornetty.ReactorNettyCalls",
        "io.sluice.javaagent.instrumentation.reactornetty.ReactorNettyOutcome",
        "io.sluice.javaagent.instrumentation.reactornetty.ReactorNettyTarget");
  }

  @Override
  protected List<TypeInstrumentation> breakerInstrumentations() {
    return List.of(
        new MonoHttpConnectInstrumentation(),
        new RemoteAddressInstrumentation(),
        new RequestBodyInstrumentation());
  }
}
