package io.sluice.javaagent.instrumentation.unguarded;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.sluice.javaagent.bridge.UnguardedClients;
import io.sluice.javaagent.instrumentation.BreakerInstrumentationModule;
import io.sluice.javaagent.instrumentation.vertx.VertxBefore5;
import java.util.List;
import net.bytebuddy.asm.Advice;

/**
 * Says once, when the app makes one, that it uses an HTTP client Sluice's circuit breakers do not
 * guard ({@link UnguardedClients}): OkHttp 3 before 3.12 (which lacks {@code Call#timeout}, see the
 * OkHttp module), Apache HttpClient 5's async clients (the base of the minimal ones too), Apache
 * HttpAsyncClient 4 (the client under Elasticsearch's and OpenSearch's low-level REST clients),
 * Jetty's {@code HttpClient}, and Vert.x before 5 ({@link VertxBefore5}, whose class names must
 * stay unrelocated). Only the client's construction is woven, never a call.
 */
public final class UnguardedClientsInstrumentationModule extends BreakerInstrumentationModule {

  public UnguardedClientsInstrumentationModule() {
    super("sluice-unguarded-clients", "sluice-http-client-breakers");
  }

  @Override
  protected List<TypeInstrumentation> breakerInstrumentations() {
    // asked for only when the module is on: the status may say "none" from now on
    UnguardedClients.watching();
    return List.of(
        new UnguardedClientInstrumentation(
            "okhttp3.OkHttpClient",
            "okhttp3.internal.proxy.NullProxySelector",
            UnguardedClientsInstrumentationModule.class.getName() + "$OkHttpBefore312Advice"),
        new UnguardedClientInstrumentation(
            "org.apache.hc.client5.http.impl.async.AbstractHttpAsyncClientBase",
            null,
            UnguardedClientsInstrumentationModule.class.getName() + "$ApacheAsyncAdvice"),
        new UnguardedClientInstrumentation(
            "org.apache.http.impl.nio.client.CloseableHttpAsyncClientBase",
            null,
            UnguardedClientsInstrumentationModule.class.getName() + "$ApacheAsync4Advice"),
        new UnguardedClientInstrumentation(
            "org.eclipse.jetty.client.HttpClient",
            null,
            UnguardedClientsInstrumentationModule.class.getName() + "$JettyAdvice"),
        VertxBefore5.instrumentation());
  }

  @SuppressWarnings("unused")
  static final class OkHttpBefore312Advice {

    private OkHttpBefore312Advice() {}

    @Advice.OnMethodExit(suppress = Throwable.class)
    static void exit() {
      UnguardedClients.inUse(
          "an OkHttp 3 client of a release before 3.12", "Sluice guards OkHttp 3.12 and later");
    }
  }

  @SuppressWarnings("unused")
  static final class ApacheAsyncAdvice {

    private ApacheAsyncAdvice() {}

    /** Names the client's class: the default and the minimal clients each get their line. */
    @Advice.OnMethodExit(suppress = Throwable.class)
    static void exit(@Advice.This Object client) {
      UnguardedClients.inUse(
          "an Apache HttpClient 5 async client (".concat(client.getClass().getName()).concat(")"),
          "Sluice guards Apache HttpClient 4 and 5's classic clients");
    }
  }

  @SuppressWarnings("unused")
  static final class ApacheAsync4Advice {

    private ApacheAsync4Advice() {}

    /**
     * Names the client's class: the default and the minimal clients each get their line. The name
     * is joined with {@code String#concat}: the {@code +} of Java 9 and later is an {@code
     * invokedynamic}, which ByteBuddy cannot inline into HttpAsyncClient 4's Java 6 class files
     * (the transformation failed, and the client went unnamed). {@code AdviceBytecodeTest} keeps
     * every advice method free of such instructions.
     */
    @Advice.OnMethodExit(suppress = Throwable.class)
    static void exit(@Advice.This Object client) {
      UnguardedClients.inUse(
          "an Apache HttpAsyncClient 4 client (".concat(client.getClass().getName()).concat(")"),
          "Sluice guards Apache HttpClient 4 and 5's classic clients");
    }
  }

  @SuppressWarnings("unused")
  static final class JettyAdvice {

    private JettyAdvice() {}

    @Advice.OnMethodExit(suppress = Throwable.class)
    static void exit() {
      UnguardedClients.inUse(
          "a Jetty HttpClient",
          "Sluice guards the JDK's clients, OkHttp 3.12 and later, Apache HttpClient 4 and 5's"
              + " classic clients, Vert.x 5 and Reactor Netty");
    }
  }
}
