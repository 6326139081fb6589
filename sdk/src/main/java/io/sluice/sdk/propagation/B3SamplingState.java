package io.sluice.sdk.propagation;

import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.api.trace.TraceId;
import io.opentelemetry.context.propagation.TextMapGetter;

/**
 * What the B3 headers OpenTelemetry's B3 propagator extracted a parent from say about sampling.
 *
 * <p>A carrier may hold both B3 forms, and only one of them made the parent: OpenTelemetry reads
 * the single {@code b3} header when it holds a valid trace and span id (two to four dash-separated
 * parts), else the {@code X-B3-*} headers. Reading the sampling state from the other form would
 * misjudge the parent: {@code b3: 1} beside {@code X-B3-TraceId} and {@code X-B3-SpanId} (a parent
 * OpenTelemetry reads as not sampled, from headers without a decision) is not a decision, and
 * neither is {@code X-B3-Sampled: 1} beside a {@code b3} header of ids only. This follows the
 * propagator's choice; it parses no ids of its own beyond checking that the single header's are the
 * ones the propagator accepts.
 */
enum B3SamplingState {
  /** No sampling state: B3's "defer", the receiver decides. */
  DEFERRED,
  /** Accept or deny, read by OpenTelemetry into the parent's sampled flag. */
  DECIDED,
  /** B3's debug ({@code X-B3-Flags: 1}, or {@code d} as the single header's state). */
  DEBUG;

  // OpenTelemetry's B3 header names (its getters match them without case)
  private static final String SINGLE_HEADER = "b3";
  private static final String SAMPLED_HEADER = "X-B3-Sampled";
  private static final String FLAGS_HEADER = "X-B3-Flags";
  private static final String DEBUG_STATE = "d";
  private static final String DEBUG_FLAG = "1";
  private static final String DENY = "0";
  private static final String SHORT_TRACE_ID_PADDING = "0".repeat(16);

  /** The sampling state of the B3 headers on {@code carrier} that made the extracted parent. */
  static <C> B3SamplingState of(C carrier, TextMapGetter<C> getter) {
    String single = getter.get(carrier, SINGLE_HEADER);
    if (single != null && !single.isEmpty()) {
      if (single.equals(DENY)) {
        // B3's bare deny, which OpenTelemetry does not read (one part): the X-B3-* ids beside it
        // made the parent. Their debug flag made it sampled, and is this trace's debug like any
        // other; otherwise the deny beside ids is a decision, not a deferral
        return DEBUG_FLAG.equals(getter.get(carrier, FLAGS_HEADER)) ? DEBUG : DECIDED;
      }
      // split as OpenTelemetry does: a trailing empty state ("traceid-spanid-") is no state
      String[] parts = single.split("-");
      if (parts.length >= 2
          && parts.length <= 4
          && isTraceId(parts[0])
          && SpanId.isValid(parts[1])) {
        if (parts.length == 2 || parts[2].isEmpty()) {
          return DEFERRED;
        }
        return parts[2].equals(DEBUG_STATE) ? DEBUG : DECIDED;
      }
    }
    // the multi-header form made the parent (a bare "b3: 1" or "b3: d" is not read with it); a
    // flags value other than 1 is ignored by B3 implementations, OpenTelemetry's too
    if (DEBUG_FLAG.equals(getter.get(carrier, FLAGS_HEADER))) {
      return DEBUG;
    }
    String sampled = getter.get(carrier, SAMPLED_HEADER);
    return sampled == null || sampled.isEmpty() ? DEFERRED : DECIDED;
  }

  /** B3 trace ids are 16 or 32 hex digits; OpenTelemetry pads the short ones. */
  private static boolean isTraceId(String id) {
    return id.length() == TraceId.getLength()
        ? TraceId.isValid(id)
        : id.length() == TraceId.getLength() / 2 && TraceId.isValid(SHORT_TRACE_ID_PADDING + id);
  }
}
