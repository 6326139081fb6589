package io.sluice.sdk.breaker;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;

/**
 * Records a rejected call on a span of the caller's choosing. The registry records a rejection on
 * the span current when it rejects; an HTTP client integration whose client span only starts once
 * the request leaves the process (so never, for a rejected call) starts a CLIENT span itself and
 * records the rejected call on it with {@link #recordRejectedCall}, so the rejected call is still a
 * span of its own and the trace holds one event for it. {@link #recordRejection} adds the event
 * whatever the registry recorded, for a span the registry never saw.
 */
public final class BreakerSpans {

  private BreakerSpans() {}

  /**
   * Adds the {@code sluice.breaker.rejected} event (policy, breaker key, state) to {@code span}
   * and, when it is a CLIENT span, sets its status to error with the rejection's message.
   */
  public static void recordRejection(Span span, Rejection rejection) {
    Attributes attributes =
        Attributes.of(
            BreakerTelemetry.POLICY,
            rejection.policy(),
            BreakerTelemetry.KEY,
            rejection.breakerKey(),
            BreakerTelemetry.STATE,
            rejection.state());
    BreakerTelemetry.onRejected(span, attributes, rejection.message(), false);
  }

  /**
   * Records a rejected call on its own CLIENT span, {@code callSpan}, started under {@code current}
   * (the span current when the registry rejected the call): the error status, and the event only
   * when the registry could not record it on {@code current} (a span that does not record, or
   * none), so the trace holds one event per rejected call.
   */
  public static void recordRejectedCall(Span callSpan, Span current, Rejection rejection) {
    if (current.isRecording()) {
      callSpan.setStatus(StatusCode.ERROR, rejection.message());
    } else {
      recordRejection(callSpan, rejection);
    }
  }
}
