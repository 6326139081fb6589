package io.sluice.sdk.propagation;

import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.util.Collection;

/**
 * Wraps another propagator (B3) so that a valid W3C {@code traceparent} on the same carrier wins
 * over what the wrapped propagator extracts, whatever order a composite puts them in. Injection is
 * the wrapped propagator's own.
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
    // Re-applying W3C after the delegate: a valid traceparent replaces the delegate's span
    // context; an absent or invalid one leaves it in place.
    return W3CTraceContextPropagator.getInstance().extract(extracted, carrier, getter);
  }

  @Override
  public String toString() {
    return "W3cPrecedence{" + delegate + "}";
  }
}
