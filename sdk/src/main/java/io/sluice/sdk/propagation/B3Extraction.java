package io.sluice.sdk.propagation;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.util.Collection;

/**
 * Wraps another propagator (B3) so that a valid W3C {@code traceparent} on the same carrier wins
 * over what the wrapped propagator extracts, whatever order a composite puts them in: the wrapped
 * propagator's context is then dropped whole (its B3 debug flag included) unless its span context
 * agrees with W3C's (trace id, span id, sampled flag). A B3 context that stands is marked when its
 * headers made no sampling decision ({@link B3Deferral}). Injection is the wrapped propagator's
 * own.
 */
final class W3cPrecedencePropagator implements TextMapPropagator {

  private final TextMapPropagator delegate;

  W3cPrecedencePropagator(TextMapPropagator delegate) {
    this.delegate = delegate;
  }

  @Override
  public Collection<String> fields() {
    return delegate.fields();
  }

  @Override
  public <C> void inject(Context context, C carrier, TextMapSetter<C> setter) {
    delegate.inject(context, carrier, setter);
  }

  @Override
  public <C> Context extract(Context context, C carrier, TextMapGetter<C> getter) {
    Context extracted = delegate.extract(context, carrier, getter);
    if (extracted == context) {
      return context;
    }
    W3CTraceContextPropagator w3c = W3CTraceContextPropagator.getInstance();
    Context fromW3c = w3c.extract(context, carrier, getter);
    if (fromW3c == context) {
      // no valid traceparent: the delegate's context stands, marked when B3 left the decision to us
      return B3Deferral.markIfDeferred(extracted, carrier, getter);
    }
    // A valid traceparent wins. Whatever else the delegate put in the context (B3's debug flag)
    // belongs to its span context: keep it only when that agrees with W3C's, else a losing B3
    // debug flag would make the outgoing B3 headers claim "sampled" for the W3C trace.
    SpanContext ours = Span.fromContext(fromW3c).getSpanContext();
    SpanContext theirs = Span.fromContext(extracted).getSpanContext();
    boolean agree =
        ours.getTraceId().equals(theirs.getTraceId())
            && ours.getSpanId().equals(theirs.getSpanId())
            && ours.isSampled() == theirs.isSampled();
    return agree ? w3c.extract(extracted, carrier, getter) : fromW3c;
  }

  @Override
  public String toString() {
    return "W3cPrecedence{" + delegate + "}";
  }
}
