package io.sluice.sdk.propagation;

import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.util.Collection;

/**
 * A propagator that changes what another one extracts: its fields are the wrapped propagator's own,
 * and so is its injection unless a subclass says otherwise ({@link #injectInto}).
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

  /**
   * Extracts as OpenTelemetry's own propagators do with odd arguments (a {@code null} context is
   * the root, a {@code null} getter extracts nothing), then as the subclass says.
   */
  @Override
  public final <C> Context extract(Context context, C carrier, TextMapGetter<C> getter) {
    Context base = context == null ? Context.root() : context;
    return getter == null ? base : extractFrom(base, carrier, getter);
  }

  /** Extracts from a carrier with a non-null context and getter. */
  abstract <C> Context extractFrom(Context context, C carrier, TextMapGetter<C> getter);

  @Override
  public final <C> void inject(Context context, C carrier, TextMapSetter<C> setter) {
    injectInto(context, carrier, setter);
  }

  /** Injects as the wrapped propagator does; a subclass may adjust the context first. */
  <C> void injectInto(Context context, C carrier, TextMapSetter<C> setter) {
    wrapped.inject(context, carrier, setter);
  }
}
