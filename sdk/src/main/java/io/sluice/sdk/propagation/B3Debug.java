package io.sluice.sdk.propagation;

import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;
import io.opentelemetry.context.propagation.TextMapGetter;

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
   * {@code extracted}, marked with its parent's trace when the carrier's B3 headers say debug
   * ({@code X-B3-Flags: 1}, or {@code d} as a {@code b3} header's sampling state). Reading one in a
   * header OpenTelemetry did not use is harmless: a flag is written only when OpenTelemetry's own
   * is in the context too.
   */
  static <C> Context mark(
      Context extracted, SpanContext parent, C carrier, TextMapGetter<C> getter) {
    return parent.isSampled() && saysDebug(carrier, getter)
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

  private static <C> boolean saysDebug(C carrier, TextMapGetter<C> getter) {
    if (B3Deferral.DEBUG.equals(getter.get(carrier, B3Deferral.FLAGS_HEADER))) {
      return true;
    }
    String single = getter.get(carrier, B3Deferral.SINGLE_HEADER);
    if (single == null) {
      return false;
    }
    // traceid-spanid-d[-parentspanid]
    String b3 = single.trim();
    int first = b3.indexOf('-');
    int second = first < 0 ? -1 : b3.indexOf('-', first + 1);
    if (second < 0) {
      return false;
    }
    int third = b3.indexOf('-', second + 1);
    return b3.substring(second + 1, third < 0 ? b3.length() : third).equals("d");
  }
}
