package io.sluice.javaagent.instrumentation.apache;

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
 * Circuit breakers for Apache HttpClient 5 (classic), which tell the app's request entity failing
 * from the target failing.
 */
public final class ApacheHttpClientInstrumentationModule extends BreakerInstrumentationModule {

  public ApacheHttpClientInstrumentationModule() {
    super("sluice-apache-httpclient", "sluice-apache-httpclient-5", "sluice-http-client-breakers");
  }

  @Override
  protected List<TypeInstrumentation> breakerInstrumentations() {
    return List.of(
        new ClassicClientInstrumentation(),
        // the pool's lease, whose wait is no time of the target's
        new PoolLeaseInstrumentation(
            "org.apache.hc.client5.http.io.LeaseRequest",
            not(isInterface())
                .and(implementsInterface(named("org.apache.hc.client5.http.io.LeaseRequest"))),
            named("get")
                .and(not(isAbstract()))
                .and(takesArguments(1))
                .and(takesArgument(0, named("org.apache.hc.core5.util.Timeout")))),
        // every HttpEntity, the app's own and Apache's (EntityTemplate, InputStreamEntity,
        // wrappers)
        RequestBodyInstrumentations.writers(
            "org.apache.hc.core5.http.HttpEntity",
            not(isInterface())
                .and(implementsInterface(named("org.apache.hc.core5.http.HttpEntity"))),
            named("writeTo")
                .and(not(isAbstract()))
                .and(takesArguments(1))
                .and(takesArgument(0, OutputStream.class))),
        // the processor that runs the request interceptors, the app's among them (signing, a
        // token fetch), before the request is written: what they throw, an IOException or
        // HttpException too, is the app's; process(HttpRequest, EntityDetails, HttpContext)
        RequestBodyInstrumentations.appHooks(
            ResponseInterceptorsInstrumentation.PROCESSOR,
            ResponseInterceptorsInstrumentation.processors(),
            ResponseInterceptorsInstrumentation.process("org.apache.hc.core5.http.HttpRequest")),
        // and the response interceptors: a response one refuses is judged by its status
        new ResponseInterceptorsInstrumentation(),
        // the content streams (fixed-length, chunked, identity) an entity is written into
        RequestBodyInstrumentations.transports(
            nameStartsWith("org.apache.hc.core5.http.impl.io.")
                .and(extendsClass(named("java.io.OutputStream"))),
            isPublic()
                .and(not(isAbstract()))
                .and(named("write").or(named("flush")).or(named("close")))));
  }
}
