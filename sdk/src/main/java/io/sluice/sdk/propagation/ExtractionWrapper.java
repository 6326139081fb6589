package io.sluice.sdk.propagation;

import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.util.Collection;

/**
 * A propagator that changes only what another one extracts: its fields and injection are the
 * wrapped propagator's own.
 */
abstract class ExtractionWrapper implements TextMapPropagator {

  final TextMapPropagator wrapped;

  ExtractionWrapper(TextMapPropagator wrapped) {
    this.wrapped = wrapped;
  }

  @Override
  public final Collection<String> fields() {
    return wrapped.fields();
  }

  @Override
  public final <C> void inject(Context context, C carrier, TextMapSetter<C> setter) {
    wrapped.inject(context, carrier, setter);
  }
}
