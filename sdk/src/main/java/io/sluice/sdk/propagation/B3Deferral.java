package io.sluice.sdk.propagation;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;
import io.opentelemetry.context.propagation.TextMapGetter;

/**
 * Marks a context extracted from B3 headers that carry no sampling decision: B3's "defer" (no
 * {@code X-B3-Sampled}, no {@code X-B3-Flags: 1}, or a single {@code b3} header of trace and span
 * id only), which asks the receiver to decide. OpenTelemetry's B3 propagator reads such a parent as
 * not sampled, so a sampler that follows its parent would drop every such trace; the rule sampler
 * asks {@link #isDeferred} and decides by its rules instead.
 *
 * <p>The mark names the span context it was set for, and only that parent is deferred: a context
 * outlives its extraction (it is the base of later ones, such as a consumer reading a message's
 * headers inside the request that delivered it), and a parent extracted later from headers that did
 * decide must be followed, not handed to the rules by an outer request's mark.
 */
public final class B3Deferral {

  private static final ContextKey<SpanContext> DEFERRED = ContextKey.named("sluice-b3-deferred");

  // OpenTelemetry's B3 header names (its getters match them without case), shared with B3Debug
  static final String SINGLE_HEADER = "b3";
  private static final String SAMPLED_HEADER = "X-B3-Sampled";
  static final String FLAGS_HEADER = "X-B3-Flags";
  static final String DEBUG = "1";

  private B3Deferral() {}

  /** Whether the remote parent in {@code context} came from B3 headers that made no decision. */
  public static boolean isDeferred(Context context) {
    SpanContext deferred = context.get(DEFERRED);
    // equal rather than the same object: a context bridge may carry a copy of the span context
    return deferred != null && deferred.equals(Span.fromContext(context).getSpanContext());
  }

  /**
   * {@code extracted}, marked deferred when the carrier's B3 headers (which produced it) carry no
   * sampling state.
   */
  static <C> Context markIfDeferred(Context extracted, C carrier, TextMapGetter<C> getter) {
    String single = getter.get(carrier, SINGLE_HEADER);
    if (single != null) {
      String b3 = single.trim();
      if (b3.equals("0") || b3.equals("1") || b3.equals("d")) {
        return extracted; // a bare decision ("b3: 0" is B3's deny)
      }
      int dash = b3.indexOf('-');
      if (dash >= 0 && b3.indexOf('-', dash + 1) >= 0) {
        return extracted; // traceid-spanid-{0,1,d}[-parent]: decided
      }
    }
    // B3's debug is X-B3-Flags: 1, a decision; other values are ignored (by OpenTelemetry's B3
    // propagator too), so they leave the decision to us as no flags header does
    if (getter.get(carrier, SAMPLED_HEADER) != null
        || DEBUG.equals(getter.get(carrier, FLAGS_HEADER))) {
      return extracted;
    }
    return extracted.with(DEFERRED, Span.fromContext(extracted).getSpanContext());
  }
}
