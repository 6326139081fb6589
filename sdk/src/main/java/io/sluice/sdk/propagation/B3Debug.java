package io.sluice.sdk.propagation;

import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;

/**
 * Ties a B3 caller's debug flag to the trace it was sent for. OpenTelemetry's B3 propagator keeps
 * the flag in the context beside the extracted parent, and its injector writes it for whatever span
 * the context holds when headers go out. A context outlives its extraction (it is the base of later
 * ones, such as a consumer reading a message's headers inside the request, and of new root spans),
 * so without this the outgoing B3 headers of other traces would claim "debug" (and force their
 * recording downstream). {@link B3Extraction} marks the trace of a debug parent it extracted, and
 * writes the flag only for spans of that trace.
 */
final class B3Debug {

  private static final ContextKey<String> TRACE = ContextKey.named("sluice-b3-debug-trace");

  private B3Debug() {}

  /**
   * {@code extracted}, marked with its parent's trace when the B3 headers it came from say debug
   * ({@code X-B3-Flags: 1}, or {@code d} as a {@code b3} header's sampling state).
   */
  static Context mark(Context extracted, SpanContext parent, B3SamplingState state) {
    return parent.isSampled() && state == B3SamplingState.DEBUG
        ? extracted.with(TRACE, parent.getTraceId())
        : extracted;
  }

  /**
   * Whether a debug flag in {@code context} may be written for a span of {@code spanContext}: not
   * when {@link B3Extraction} extracted a debug parent of another trace into it. A context no debug
   * parent was marked in is left to OpenTelemetry (it holds no flag from {@link B3Extraction}).
   */
  static boolean belongsTo(Context context, SpanContext spanContext) {
    String trace = context.get(TRACE);
    return trace == null || trace.equals(spanContext.getTraceId());
  }
}
