package io.sluice.javaagent.instrumentation.apache4;

import static io.opentelemetry.javaagent.extension.matcher.AgentElementMatchers.extendsClass;
import static io.opentelemetry.javaagent.extension.matcher.AgentElementMatchers.implementsInterface;
import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.isInterface;
import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.nameStartsWith;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.sluice.javaagent.instrumentation.BreakerInstrumentationModule;
import io.sluice.javaagent.instrumentation.poolwait.PoolLeaseInstrumentation;
import io.sluice.javaagent.instrumentation.requestbody.RequestBodyInstrumentations;
import java.io.OutputStream;
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
public final class ApacheHttpClient4InstrumentationModule extends BreakerInstrumentationModule {

  public ApacheHttpClient4InstrumentationModule() {
    super("sluice-apache-httpclient", "sluice-apache-httpclient-4", "sluice-http-client-breakers");
  }

  @Override
  public List<String> getAdditionalHelperClassNames() {
    // by name: loading the class here would need the app's HttpClient 4
    return List.of("io.sluice.javaagent.instrumentation.apache4.SyntheticHttpResponse");
  }

  @Override
  protected List<TypeInstrumentation> breakerInstrumentations() {
    return List.of(
        new ClassicClientInstrumentation(),
        // the pool's lease, whose wait is no time of the target's: ConnectionRequest#get of the
        // pooling and basic connection managers, and the deprecated ClientConnectionRequest's
        // getConnection the DefaultHttpClient family leases through
        new PoolLeaseInstrumentation(
            "org.apache.http.conn.ClientConnectionRequest",
            not(isInterface())
                .and(
                    implementsInterface(
                        named("org.apache.http.conn.ConnectionRequest")
                            .or(named("org.apache.http.conn.ClientConnectionRequest")))),
            named("get")
                .or(named("getConnection"))
                .and(not(isAbstract()))
                .and(takesArguments(2))
                .and(takesArgument(0, long.class))
                .and(takesArgument(1, named("java.util.concurrent.TimeUnit")))),
        // every HttpEntity, the app's own and Apache's (EntityTemplate, InputStreamEntity,
        // wrappers)
        RequestBodyInstrumentations.writers(
            "org.apache.http.HttpEntity",
            not(isInterface()).and(implementsInterface(named("org.apache.http.HttpEntity"))),
            named("writeTo")
                .and(not(isAbstract()))
                .and(takesArguments(1))
                .and(takesArgument(0, OutputStream.class))),
        // the processor that runs the request interceptors, the app's among them (signing, a
        // token fetch), before the request is written: what they throw, an IOException or
        // HttpException too, is the app's; process(HttpRequest, HttpContext)
        RequestBodyInstrumentations.appHooks(
            ResponseInterceptorsInstrumentation.PROCESSOR,
            ResponseInterceptorsInstrumentation.processors(),
            ResponseInterceptorsInstrumentation.process("org.apache.http.HttpRequest")),
        // and the response interceptors: a response one refuses is judged by its status
        new ResponseInterceptorsInstrumentation(),
        // the content streams (fixed-length, chunked, identity) an entity is written into
        RequestBodyInstrumentations.transports(
            nameStartsWith("org.apache.http.impl.io.")
                .and(extendsClass(named("java.io.OutputStream"))),
            isPublic()
                .and(not(isAbstract()))
                .and(named("write").or(named("flush")).or(named("close")))));
  }
}
