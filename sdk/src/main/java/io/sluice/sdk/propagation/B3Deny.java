package io.sluice.sdk.propagation;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;
import io.opentelemetry.context.propagation.TextMapGetter;

/**
 * Marks a context extracted from B3 headers that carry B3's bare "deny" and nothing else: a single
 * {@code b3: 0}, or {@code X-B3-Sampled: 0} (or {@code false}) without {@code X-B3-TraceId}. B3
 * lets a caller (a proxy, a health checker, a client that does not trace) say "do not record this
 * request" without ids. OpenTelemetry's B3 propagator finds no span context in such headers and
 * returns the context unchanged, so the server span would start as a root and the rules might keep
 * it; the rule sampler asks {@link #isDenied} for a span without a valid parent and, when its rules
 * respect the parent's decision, drops it as it drops the child of an unsampled remote parent. The
 * dropped span still has (fresh) ids, and goes out as "not sampled" in every format, which keeps
 * the caller's deny downstream.
 *
 * <p>Only the deny is honoured. A bare accept ({@code b3: 1}, {@code X-B3-Sampled: 1}) or debug
 * ({@code b3: d}, {@code X-B3-Flags: 1}) without ids leaves the decision to the rules, as B3's
 * "defer" does: a deny can only save work, while following a bare accept would let any caller have
 * new traces recorded past the rules' ratios and {@code maxPerSecond} caps without even a trace to
 * join.
 *
 * <p>Nothing is parsed here beyond comparing the one decision value; which headers hold a parent is
 * left to OpenTelemetry's propagator ({@link B3Extraction} asks only when it found none). When both
 * forms are on a carrier, a {@code b3} header that holds a bare decision ({@code 0}, {@code 1},
 * {@code d}) is the one that counts, as OpenTelemetry reads {@code b3} first; any other {@code b3}
 * (ids it could not read) leaves it to the {@code X-B3-*} headers. Multi headers with an {@code
 * X-B3-TraceId} that OpenTelemetry could not read are no bare deny: a caller that sent ids sent a
 * broken parent, and that is ignored as a whole, as OpenTelemetry ignores it.
 */
public final class B3Deny {

  private static final ContextKey<Boolean> DENIED = ContextKey.named("sluice-b3-deny");

  // OpenTelemetry's B3 header names (its getters match them without case)
  private static final String SINGLE_HEADER = "b3";
  private static final String TRACE_ID_HEADER = "X-B3-TraceId";
  private static final String SAMPLED_HEADER = "X-B3-Sampled";
  private static final String FLAGS_HEADER = "X-B3-Flags";
  private static final String DENY = "0";
  private static final String ACCEPT = "1";
  private static final String DEBUG_STATE = "d";
  private static final String DEBUG_FLAG = "1";
  private static final String DENY_LEGACY = "false";

  private B3Deny() {}

  /**
   * Whether {@code context} was extracted from a bare B3 deny with no parent to follow. The rule
   * sampler asks only for a span without a valid parent (a parent, when there is one, decides); a
   * context lookup, it allocates nothing.
   *
   * @param context the parent context a span starts in; {@code null} is the root
   */
  public static boolean isDenied(Context context) {
    return context != null && context.get(DENIED) != null;
  }

  /**
   * {@code context}, marked denied when it holds no valid span and {@code carrier} holds a bare B3
   * deny. Called for a carrier OpenTelemetry's B3 propagator found no parent in.
   */
  static <C> Context markIfDenied(Context context, C carrier, TextMapGetter<C> getter) {
    return isBareDeny(carrier, getter) && !Span.fromContext(context).getSpanContext().isValid()
        ? context.with(DENIED, Boolean.TRUE)
        : context;
  }

  /** Whether the B3 headers on {@code carrier} say "deny" and hold no ids. */
  private static <C> boolean isBareDeny(C carrier, TextMapGetter<C> getter) {
    String single = getter.get(carrier, SINGLE_HEADER);
    if (DENY.equals(single)) {
      return true;
    }
    if (ACCEPT.equals(single) || DEBUG_STATE.equals(single)) {
      return false; // the single header's own decision, read before the multi headers
    }
    String sampled = getter.get(carrier, SAMPLED_HEADER);
    if (!DENY.equals(sampled) && !DENY_LEGACY.equalsIgnoreCase(sampled)) {
      return false;
    }
    String traceId = getter.get(carrier, TRACE_ID_HEADER);
    // debug means accept, whatever X-B3-Sampled says (B3, and OpenTelemetry's propagator)
    return (traceId == null || traceId.isEmpty())
        && !DEBUG_FLAG.equals(getter.get(carrier, FLAGS_HEADER));
  }
}
