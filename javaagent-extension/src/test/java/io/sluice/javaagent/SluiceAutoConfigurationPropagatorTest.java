package io.sluice.javaagent;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.contrib.awsxray.propagator.AwsXrayPropagator;
import io.opentelemetry.extension.trace.propagation.B3Propagator;
import io.opentelemetry.extension.trace.propagation.JaegerPropagator;
import io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizer;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.autoconfigure.spi.internal.DefaultConfigProperties;
import io.sluice.sdk.propagation.B3Deferral;
import io.sluice.sdk.propagation.B3Deny;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/**
 * What the propagator customizer that {@link SluiceAutoConfiguration} registers does to B3 and to
 * the other trace formats a user may list (Jaeger, AWS X-Ray), each tested with its real
 * propagator.
 */
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
      TextMapPropagator b3 = customizedB3(propagators);
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
  void aBareB3DenyIsMarkedWithOrWithoutTracecontextUnlessATraceparentWins() {
    for (String propagators : new String[] {"tracecontext,baggage,b3multi", "b3"}) {
      TextMapPropagator b3 = customizedB3(propagators);
      Map<String, String> carrier = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      carrier.put("b3", "0");
      assertThat(B3Deny.isDenied(b3.extract(Context.root(), carrier, GETTER)))
          .as(propagators)
          .isTrue();
      carrier.put("traceparent", "00-" + W3C_TRACE + "-" + W3C_SPAN + "-01");
      assertThat(B3Deny.isDenied(b3.extract(Context.root(), carrier, GETTER)))
          .as(propagators)
          // without tracecontext listed, a traceparent is not read and the deny stands
          .isEqualTo(propagators.equals("b3"));
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

  /** An AWS X-Ray header with its own trace, and a lineage, which X-Ray extracts as baggage. */
  private static final String XRAY_HEADER =
      "Root=1-55555555-555555555555555555555555;Parent=6666666666666666;Sampled=1;"
          + "Lineage=100:e3b0c442:11";

  private static final String XRAY_TRACE = "55555555555555555555555555555555";

  @Test
  void aValidTraceparentWinsOverXrayListedAfterTracecontextAndXraysBaggageStays() {
    Map<String, String> carrier = xrayCarrier();
    carrier.put("traceparent", "00-" + W3C_TRACE + "-" + W3C_SPAN + "-01");
    Baggage xrayBaggage =
        Baggage.fromContext(
            AwsXrayPropagator.getInstance().extract(Context.root(), carrier, GETTER));
    assertThat(xrayBaggage.getEntryValue("Lineage")).as("X-Ray's own baggage").isNotNull();

    Context extracted =
        autoconfigured("tracecontext,baggage,b3multi,xray")
            .extract(Context.root(), carrier, GETTER);

    SpanContext span = Span.fromContext(extracted).getSpanContext();
    assertThat(span.getTraceId()).isEqualTo(W3C_TRACE);
    assertThat(span.getSpanId()).isEqualTo(W3C_SPAN);
    assertThat(Baggage.fromContext(extracted).asMap()).isEqualTo(xrayBaggage.asMap());
  }

  @Test
  void xrayStandsWhenTheTraceparentIsAbsentOrInvalid() {
    TextMapPropagator propagators = autoconfigured("tracecontext,baggage,b3multi,xray");
    Map<String, String> carrier = xrayCarrier();
    assertThat(traceId(propagators.extract(Context.root(), carrier, GETTER))).isEqualTo(XRAY_TRACE);

    carrier.put("traceparent", "00-" + "0".repeat(32) + "-" + W3C_SPAN + "-01");
    assertThat(traceId(propagators.extract(Context.root(), carrier, GETTER))).isEqualTo(XRAY_TRACE);
  }

  @Test
  void xrayInjectsAsItsOwnAndIsLeftAloneWithoutTracecontext() {
    TextMapPropagator xray = AwsXrayPropagator.getInstance();
    TextMapPropagator customized =
        propagatorCustomizer()
            .apply(
                xray,
                DefaultConfigProperties.createFromMap(
                    Map.of("otel.propagators", "tracecontext,baggage,b3multi,xray")));
    Context context = xray.extract(Context.root(), xrayCarrier(), GETTER);
    Map<String, String> injected = new HashMap<>();
    customized.inject(context, injected, Map::put);
    Map<String, String> injectedByXray = new HashMap<>();
    xray.inject(context, injectedByXray, Map::put);
    assertThat(injected).isEqualTo(injectedByXray).containsKey("X-Amzn-Trace-Id");
    assertThat(customized.fields()).isEqualTo(xray.fields());

    // without tracecontext, traceparent is not Sluice's to honour: xray stays as it is
    assertThat(
            propagatorCustomizer()
                .apply(
                    xray,
                    DefaultConfigProperties.createFromMap(
                        Map.of("otel.propagators", "baggage,xray"))))
        .isSameAs(xray);
  }

  private static Map<String, String> xrayCarrier() {
    Map<String, String> carrier = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    carrier.put("X-Amzn-Trace-Id", XRAY_HEADER);
    return carrier;
  }

  private static String traceId(Context context) {
    return Span.fromContext(context).getSpanContext().getTraceId();
  }

  /**
   * The propagators {@code list} names (tracecontext, baggage, b3multi, xray), each through the
   * customizer and composed in the listed order, as the agent's autoconfiguration composes them.
   */
  private static TextMapPropagator autoconfigured(String list) {
    ConfigProperties config =
        DefaultConfigProperties.createFromMap(Map.of("otel.propagators", list));
    BiFunction<TextMapPropagator, ConfigProperties, TextMapPropagator> customizer =
        propagatorCustomizer();
    List<TextMapPropagator> propagators =
        List.of(list.split(",")).stream()
            .map(
                name ->
                    switch (name) {
                      case "tracecontext" -> W3CTraceContextPropagator.getInstance();
                      case "baggage" -> W3CBaggagePropagator.getInstance();
                      case "b3multi" -> B3Propagator.injectingMultiHeaders();
                      case "xray" -> AwsXrayPropagator.getInstance();
                      default -> throw new IllegalArgumentException(name);
                    })
            .map(propagator -> customizer.apply(propagator, config))
            .toList();
    return TextMapPropagator.composite(propagators);
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

  /**
   * OpenTelemetry's multi-header B3 propagator as the customizer leaves it for {@code propagators}.
   */
  private static TextMapPropagator customizedB3(String propagators) {
    return propagatorCustomizer()
        .apply(
            B3Propagator.injectingMultiHeaders(),
            DefaultConfigProperties.createFromMap(Map.of("otel.propagators", propagators)));
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
