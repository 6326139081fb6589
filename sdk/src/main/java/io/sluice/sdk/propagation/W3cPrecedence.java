package io.sluice.sdk.propagation;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;

/**
 * Wraps a trace-context propagator other than W3C and B3 (Jaeger, OpenTracing, AWS X-Ray, ...) so
 * that a valid W3C {@code traceparent} on the same carrier wins over the span context it extracts,
 * whatever order a composite puts them in. What else it extracts (its baggage) is kept. Injection
 * is the wrapped propagator's own.
 */
final class W3cPrecedence extends ExtractionWrapper {

  W3cPrecedence(TextMapPropagator other) {
    super(other);
  }

  @Override
  <C> Context extractFrom(Context context, C carrier, TextMapGetter<C> getter) {
    Context extracted = wrapped.extract(context, carrier, getter);
    if (extracted == context
        || Span.fromContext(extracted)
            .getSpanContext()
            .equals(Span.fromContext(context).getSpanContext())) {
      return extracted; // no span context of its own (baggage only, or nothing)
    }
    W3CTraceContextPropagator w3c = W3CTraceContextPropagator.getInstance();
    if (w3c.extract(context, carrier, getter) == context) {
      return extracted; // no valid traceparent: its span context stands
    }
    return w3c.extract(extracted, carrier, getter);
  }

  @Override
  public String toString() {
    return "W3cPrecedence{" + wrapped + "}";
  }
}
