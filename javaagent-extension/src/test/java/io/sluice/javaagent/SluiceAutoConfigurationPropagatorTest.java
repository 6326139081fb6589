package io.sluice.javaagent;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.extension.trace.propagation.B3Propagator;
import io.opentelemetry.extension.trace.propagation.JaegerPropagator;
import io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizer;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.autoconfigure.spi.internal.DefaultConfigProperties;
import io.sluice.sdk.propagation.B3Deferral;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/** What the propagator customizer that {@link SluiceAutoConfiguration} registers does to B3. */
class SluiceAutoConfigurationPropagatorTest {

  private static final String B3_TRACE = "11111111111111111111111111111111";
  private static final String B3_SPAN = "2222222222222222";
  private static final String W3C_TRACE = "33333333333333333333333333333333";
  private static final String W3C_SPAN = "4444444444444444";

  @Test
  void withTheDefaultPropagatorsAValidTraceparentWinsOverB3() {
    assertThat(extractedTraceId("tracecontext,baggage,b3multi")).isEqualTo(W3C_TRACE);
  }

  @Test
  void aUserWhoConfiguredOnlyB3IsNotMadeToFollowTraceparent() {
    // the user left tracecontext out of otel.propagators: W3C headers are not theirs to honour
    assertThat(extractedTraceId("b3multi")).isEqualTo(B3_TRACE);
    assertThat(extractedTraceId("baggage,b3")).isEqualTo(B3_TRACE);
  }

  @Test
  void b3WithoutASamplingDecisionIsMarkedDeferredWithOrWithoutTracecontext() {
    for (String propagators : new String[] {"tracecontext,baggage,b3multi", "b3multi"}) {
      TextMapPropagator b3 =
          propagatorCustomizer()
              .apply(
                  B3Propagator.injectingMultiHeaders(),
                  DefaultConfigProperties.createFromMap(Map.of("otel.propagators", propagators)));
      Map<String, String> carrier = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      carrier.put("X-B3-TraceId", B3_TRACE);
      carrier.put("X-B3-SpanId", B3_SPAN);
      assertThat(B3Deferral.isDeferred(b3.extract(Context.root(), carrier, GETTER)))
          .as(propagators)
          .isTrue();
      carrier.put("X-B3-Sampled", "0");
      assertThat(B3Deferral.isDeferred(b3.extract(Context.root(), carrier, GETTER)))
          .as(propagators)
          .isFalse();
    }
  }

  @Test
  void aValidTraceparentAlsoWinsOverJaegerListedAfterTracecontext() {
    TextMapPropagator jaeger = JaegerPropagator.getInstance();
    Map<String, String> carrier = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    carrier.put("uber-trace-id", B3_TRACE + ":" + B3_SPAN + ":0:1");
    carrier.put("traceparent", "00-" + W3C_TRACE + "-" + W3C_SPAN + "-01");

    TextMapPropagator customized =
        propagatorCustomizer()
            .apply(
                jaeger,
                DefaultConfigProperties.createFromMap(
                    Map.of("otel.propagators", "tracecontext,baggage,b3multi,jaeger")));
    TextMapPropagator composite =
        TextMapPropagator.composite(W3CTraceContextPropagator.getInstance(), customized);
    assertThat(
            Span.fromContext(composite.extract(Context.root(), carrier, GETTER))
                .getSpanContext()
                .getTraceId())
        .isEqualTo(W3C_TRACE);

    // without tracecontext, traceparent is not Sluice's to honour: jaeger stays as it is
    assertThat(
            propagatorCustomizer()
                .apply(
                    jaeger,
                    DefaultConfigProperties.createFromMap(
                        Map.of("otel.propagators", "b3multi,jaeger"))))
        .isSameAs(jaeger);
  }

  private static String extractedTraceId(String propagators) {
    ConfigProperties config =
        DefaultConfigProperties.createFromMap(Map.of("otel.propagators", propagators));
    TextMapPropagator b3 =
        propagatorCustomizer().apply(B3Propagator.injectingMultiHeaders(), config);
    Map<String, String> carrier = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    carrier.put("X-B3-TraceId", B3_TRACE);
    carrier.put("X-B3-SpanId", B3_SPAN);
    carrier.put("X-B3-Sampled", "1");
    carrier.put("traceparent", "00-" + W3C_TRACE + "-" + W3C_SPAN + "-01");
    SpanContext extracted =
        Span.fromContext(b3.extract(Context.root(), carrier, GETTER)).getSpanContext();
    return extracted.getTraceId();
  }

  @SuppressWarnings("unchecked")
  private static BiFunction<TextMapPropagator, ConfigProperties, TextMapPropagator>
      propagatorCustomizer() {
    AtomicReference<Object> captured = new AtomicReference<>();
    AutoConfigurationCustomizer customizer =
        (AutoConfigurationCustomizer)
            Proxy.newProxyInstance(
                SluiceAutoConfigurationPropagatorTest.class.getClassLoader(),
                new Class<?>[] {AutoConfigurationCustomizer.class},
                (proxy, method, args) -> {
                  if (method.getName().equals("addPropagatorCustomizer")) {
                    captured.set(args[0]);
                  }
                  return method.getReturnType().isInstance(proxy) ? proxy : null;
                });
    new SluiceAutoConfiguration().customize(customizer);
    return (BiFunction<TextMapPropagator, ConfigProperties, TextMapPropagator>) captured.get();
  }

  private static final TextMapGetter<Map<String, String>> GETTER =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
          return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
          return carrier == null ? null : carrier.get(key);
        }
      };
}
