package io.sluice.sdk.propagation;

import static io.sluice.sdk.propagation.HeaderMaps.B3_SPAN;
import static io.sluice.sdk.propagation.HeaderMaps.B3_TRACE;
import static io.sluice.sdk.propagation.HeaderMaps.GETTER;
import static io.sluice.sdk.propagation.HeaderMaps.SETTER;
import static io.sluice.sdk.propagation.HeaderMaps.W3C_SPAN;
import static io.sluice.sdk.propagation.HeaderMaps.W3C_TRACE;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link SluicePropagators#forConfigured} in OpenTelemetry's own autoconfigure, as the SDK README
 * tells apps to plug it in: the propagators it builds from {@code otel.propagators} then follow
 * Sluice's rules for W3C and B3 (W3C wins, a losing B3 debug flag is dropped, B3's "defer" and bare
 * "deny" are marked), whatever order the names are listed in.
 */
class AutoconfiguredPropagatorsTest {

  private static TextMapPropagator autoconfigured(String propagators, boolean withSluice) {
    var builder =
        AutoConfiguredOpenTelemetrySdk.builder()
            .addPropertiesSupplier(
                () ->
                    Map.of(
                        "otel.propagators", propagators,
                        "otel.traces.exporter", "none",
                        "otel.metrics.exporter", "none",
                        "otel.logs.exporter", "none"))
            .disableShutdownHook();
    if (withSluice) {
      builder.addPropagatorCustomizer(
          (propagator, config) ->
              SluicePropagators.forConfigured(propagator, config.getList("otel.propagators")));
    }
    OpenTelemetrySdk sdk = builder.build().getOpenTelemetrySdk();
    TextMapPropagator propagator = sdk.getPropagators().getTextMapPropagator();
    sdk.close();
    return propagator;
  }

  private static Map<String, String> disagreeingWithB3Debug() {
    Map<String, String> in = new HashMap<>();
    in.put("traceparent", "00-" + W3C_TRACE + "-" + W3C_SPAN + "-00");
    in.put("x-b3-traceid", B3_TRACE);
    in.put("x-b3-spanid", B3_SPAN);
    in.put("x-b3-flags", "1");
    return in;
  }

  private static Map<String, String> roundTrip(
      TextMapPropagator propagator, Map<String, String> in) {
    Context context = propagator.extract(Context.root(), in, GETTER);
    Map<String, String> out = new HashMap<>();
    propagator.inject(context, out, SETTER);
    return out;
  }

  @Test
  void w3cWinsAndTheLosingB3DebugFlagStaysBehindInTheListedOrder() {
    TextMapPropagator propagator = autoconfigured("tracecontext,baggage,b3multi", true);
    Context context = propagator.extract(Context.root(), disagreeingWithB3Debug(), GETTER);
    assertThat(Span.fromContext(context).getSpanContext().getTraceId()).isEqualTo(W3C_TRACE);

    Map<String, String> out = roundTrip(propagator, disagreeingWithB3Debug());
    assertThat(out.get("traceparent")).endsWith("-00");
    assertThat(out)
        .containsEntry("x-b3-traceid", W3C_TRACE)
        .containsEntry("x-b3-sampled", "0")
        .doesNotContainKey("x-b3-flags");
  }

  @Test
  void withoutSluiceTheListedOrderLetsB3WinAndItsDebugFlagLeak() {
    // what the customizer is for: OpenTelemetry alone, with B3 listed last
    Map<String, String> out =
        roundTrip(autoconfigured("tracecontext,baggage,b3multi", false), disagreeingWithB3Debug());
    assertThat(out).containsEntry("x-b3-traceid", B3_TRACE).containsEntry("x-b3-flags", "1");
  }

  @Test
  void b3DeferAndBareDenyAreMarked() {
    TextMapPropagator propagator = autoconfigured("b3multi,tracecontext,baggage", true);
    Context deferred =
        propagator.extract(
            Context.root(), Map.of("x-b3-traceid", B3_TRACE, "x-b3-spanid", B3_SPAN), GETTER);
    assertThat(B3Deferral.isDeferred(deferred)).isTrue();
    Context denied = propagator.extract(Context.root(), Map.of("b3", "0"), GETTER);
    assertThat(B3Deny.isDenied(denied)).isTrue();
  }

  @Test
  void withoutTracecontextListedTraceparentIsNotReadAndB3DeferralStillMarked() {
    TextMapPropagator propagator = autoconfigured("b3multi,baggage", true);
    Context context = propagator.extract(Context.root(), disagreeingWithB3Debug(), GETTER);
    assertThat(Span.fromContext(context).getSpanContext().getTraceId()).isEqualTo(B3_TRACE);
    Context deferred =
        propagator.extract(
            Context.root(), Map.of("x-b3-traceid", B3_TRACE, "x-b3-spanid", B3_SPAN), GETTER);
    assertThat(B3Deferral.isDeferred(deferred)).isTrue();
  }
}
