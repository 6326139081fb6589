package io.sluice.sdk.propagation;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;

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

  private B3Deferral() {}

  /** Whether the remote parent in {@code context} came from B3 headers that made no decision. */
  public static boolean isDeferred(Context context) {
    SpanContext deferred = context.get(DEFERRED);
    // equal rather than the same object: a context bridge may carry a copy of the span context
    return deferred != null && deferred.equals(Span.fromContext(context).getSpanContext());
  }

  /**
   * {@code extracted}, marked deferred when the B3 headers it came from carry no sampling state.
   */
  static Context markIfDeferred(Context extracted, B3SamplingState state) {
    return state == B3SamplingState.DEFERRED
        ? extracted.with(DEFERRED, Span.fromContext(extracted).getSpanContext())
        : extracted;
  }
}
