package io.sluice.sdk.propagation;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;

/**
 * Wraps the B3 propagator to extract what Sluice's rules say about B3.
 *
 * <p>With {@code w3cWins} (W3C trace context is among the configured formats), a valid W3C {@code
 * traceparent} on the same carrier wins over B3, whatever order a composite puts them in: the B3
 * context is then dropped whole (its debug flag included) unless its span context agrees with W3C's
 * (trace id, span id, sampled flag). A B3 context that stands is marked when its headers made no
 * sampling decision ({@link B3Deferral}). When B3 yields no parent but its headers hold B3's bare
 * "deny" ({@code b3: 0}, or {@code X-B3-Sampled: 0} without ids), the context is marked denied
 * ({@link B3Deny}), unless a valid {@code traceparent} wins.
 *
 * <p>Injection is the wrapped propagator's own, but for a span that is not sampled: OpenTelemetry's
 * B3 injector writes a caller's debug flag (kept in the context from its headers) as {@code
 * X-B3-Flags: 1} and {@code X-B3-Sampled: 1} ({@code b3: ...-d}), whatever the span's own sampled
 * flag says. A trace the rules dropped (with {@code respectParentDecision: false}) would then go
 * out with {@code traceparent} saying "not sampled" and B3 saying "debug": for such a span the flag
 * is left out, and B3 says "not sampled" as W3C does. A sampled span gets the flag only when it
 * belongs to the trace of the debug parent this wrapper extracted ({@link B3Debug}).
 */
final class B3Extraction extends ExtractionWrapper {

  private final boolean w3cWins;

  B3Extraction(TextMapPropagator b3, boolean w3cWins) {
    super(b3);
    this.w3cWins = w3cWins;
  }

  boolean w3cWins() {
    return w3cWins;
  }

  @Override
  <C> Context extractFrom(Context context, C carrier, TextMapGetter<C> getter) {
    Context extracted = wrapped.extract(context, carrier, getter);
    W3CTraceContextPropagator w3c = W3CTraceContextPropagator.getInstance();
    if (extracted == context) {
      // no B3 parent; a bare B3 deny still asks not to record, unless a valid traceparent wins
      Context denied = B3Deny.markIfDenied(context, carrier, getter);
      return denied == context || (w3cWins && w3c.extract(context, carrier, getter) != context)
          ? context
          : denied;
    }
    SpanContext theirs = Span.fromContext(extracted).getSpanContext();
    if (!w3cWins) {
      return stands(extracted, theirs, carrier, getter);
    }
    Context fromW3c = w3c.extract(context, carrier, getter);
    if (fromW3c == context) {
      // no valid traceparent: the B3 context stands, marked when B3 left the decision to us
      return stands(extracted, theirs, carrier, getter);
    }
    // A valid traceparent wins. Whatever else B3 put in the context (its debug flag) belongs to
    // its span context: keep it only when that agrees with W3C's, else a losing B3 debug flag
    // would make the outgoing B3 headers claim "sampled" for the W3C trace.
    SpanContext ours = Span.fromContext(fromW3c).getSpanContext();
    boolean agree =
        ours.getTraceId().equals(theirs.getTraceId())
            && ours.getSpanId().equals(theirs.getSpanId())
            && ours.isSampled() == theirs.isSampled();
    return agree
        ? B3Debug.mark(
            w3c.extract(extracted, carrier, getter), theirs, B3SamplingState.of(carrier, getter))
        : fromW3c;
  }

  /** A B3 context that stands, marked with what its headers said of sampling and debug. */
  private static <C> Context stands(
      Context extracted, SpanContext parent, C carrier, TextMapGetter<C> getter) {
    B3SamplingState state = B3SamplingState.of(carrier, getter);
    return B3Deferral.markIfDeferred(B3Debug.mark(extracted, parent, state), state);
  }

  @Override
  <C> void injectInto(Context context, C carrier, TextMapSetter<C> setter) {
    Span span = Span.fromContext(context);
    SpanContext spanContext = span.getSpanContext();
    if (spanContext.isValid()
        && (!spanContext.isSampled() || !B3Debug.belongsTo(context, spanContext))) {
      // only the span: B3 writes nothing else, and a debug flag must neither override the span's
      // decision nor be written for a trace other than the one a caller sent it for
      wrapped.inject(Context.root().with(span), carrier, setter);
    } else {
      wrapped.inject(context, carrier, setter);
    }
  }

  @Override
  public String toString() {
    return (w3cWins ? "W3cPrecedence{" : "B3Deferral{") + wrapped + "}";
  }
}
