package io.sluice.benchmarks;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The start attributes exactly as OpenTelemetry's SDK hands them to a sampler. A sampler never sees
 * the {@link Attributes} an app or instrumentation built: the SDK's span builder copies them into
 * its own mutable map (a hash table by attribute name), and an attribute lookup's cost depends on
 * that form. Benchmarks get the real object by starting one span through a real tracer provider.
 */
final class SdkStartAttributes {

  private SdkStartAttributes() {}

  /** What a sampler receives for a span started with {@code attributes}. */
  static Attributes of(Attributes attributes) {
    AtomicReference<Attributes> seen = new AtomicReference<>();
    Sampler capturing =
        new Sampler() {
          @Override
          public SamplingResult shouldSample(
              Context parentContext,
              String traceId,
              String name,
              SpanKind spanKind,
              Attributes startAttributes,
              List<LinkData> parentLinks) {
            seen.set(startAttributes);
            return SamplingResult.drop();
          }

          @Override
          public String getDescription() {
            return "capturing";
          }
        };
    try (SdkTracerProvider provider = SdkTracerProvider.builder().setSampler(capturing).build()) {
      provider
          .get("sluice-benchmarks")
          .spanBuilder("capture")
          .setSpanKind(SpanKind.SERVER)
          .setAllAttributes(attributes)
          .startSpan()
          .end();
    }
    Attributes captured = seen.get();
    if (captured == null || !captured.asMap().equals(attributes.asMap())) {
      throw new IllegalStateException("the SDK handed the sampler " + captured);
    }
    return captured;
  }
}
