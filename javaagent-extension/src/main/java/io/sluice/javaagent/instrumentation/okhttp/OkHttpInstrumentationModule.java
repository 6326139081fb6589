package io.sluice.javaagent.instrumentation.okhttp;

import static io.opentelemetry.javaagent.extension.matcher.AgentElementMatchers.extendsClass;
import static io.opentelemetry.javaagent.extension.matcher.AgentElementMatchers.hasClassesNamed;
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
import io.sluice.javaagent.instrumentation.requestbody.RequestBodyInstrumentations;
import java.util.List;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Circuit breakers for OkHttp 3.12 to 5 ({@code Call#execute} and {@code Call#enqueue}), which tell
 * the app's request body failing from the target failing.
 */
public final class OkHttpInstrumentationModule extends BreakerInstrumentationModule {

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
  protected List<TypeInstrumentation> breakerInstrumentations() {
    return List.of(
        new RetryAndFollowUpInterceptorInstrumentation(),
        new CallTimeoutInstrumentation(),
        // every concrete RequestBody, the app's and OkHttp's own (FormBody, MultipartBody, the
        // bodies of RequestBody.create)
        RequestBodyInstrumentations.writers(
            "okhttp3.RequestBody",
            not(isAbstract()).and(extendsClass(named("okhttp3.RequestBody"))),
            named("writeTo")
                .and(not(isAbstract()))
                .and(takesArguments(1))
                .and(takesArgument(0, named("okio.BufferedSink")))),
        // the sinks writeTo's bytes pass through on their way to the connection, its
        // outputStream() too: Exchange$RequestBodySink (3.14 on),
        // CallServerInterceptor$CountingSink
        // (3.12), the HTTP/1 codecs' fixed-length and chunked sinks, Http2Stream$FramingSink
        RequestBodyInstrumentations.transports(
            nameStartsWith("okhttp3.internal.")
                .and(not(isInterface()))
                .and(implementsInterface(named("okio.Sink"))),
            isPublic()
                .and(not(isAbstract()))
                .and(
                    named("write")
                        .and(takesArguments(2))
                        .and(takesArgument(0, named("okio.Buffer")))
                        .and(takesArgument(1, long.class))
                        .or(named("flush").and(takesArguments(0)))
                        .or(named("close").and(takesArguments(0))))));
  }
}
