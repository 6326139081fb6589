package io.sluice.sdk.propagation;

import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.extension.trace.propagation.B3Propagator;
import java.util.List;
import java.util.Objects;

/**
 * The propagator set Sluice uses by default: W3C {@code traceparent}/{@code tracestate}, W3C {@code
 * baggage}, and B3 (multi-header {@code X-B3-*} by default, single-header {@code b3} on request).
 * Apps that build the OpenTelemetry SDK by hand pass {@link #create()} to {@code
 * OpenTelemetrySdk.builder().setPropagators(...)}.
 *
 * <p>Injection writes every format, all carrying the same trace and span id. Extraction accepts any
 * of them (B3 in either header style, whatever style is injected). <b>When incoming W3C and B3
 * headers disagree, W3C wins</b>: the composite extracts B3 first and W3C trace context after it,
 * and a valid {@code traceparent} replaces what B3 produced. An absent or invalid {@code
 * traceparent} leaves the B3 context in place, so B3-only callers still join their trace.
 *
 * <p>All parsing and writing is done by OpenTelemetry's own propagators ({@link
 * W3CTraceContextPropagator}, {@link W3CBaggagePropagator}, {@link B3Propagator}).
 */
public final class SluicePropagators {

  /** How B3 is written on outgoing requests (extraction always accepts both). */
  public enum B3Format {
    /** {@code X-B3-TraceId}, {@code X-B3-SpanId}, {@code X-B3-Sampled}: the default. */
    MULTI_HEADER,
    /** One {@code b3} header. */
    SINGLE_HEADER
  }

  private SluicePropagators() {}

  /** The default set: W3C trace context, W3C baggage, B3 multi-header. */
  public static ContextPropagators create() {
    return create(B3Format.MULTI_HEADER);
  }

  /** W3C trace context, W3C baggage and B3 written as {@code b3Format}. */
  public static ContextPropagators create(B3Format b3Format) {
    return ContextPropagators.create(textMapPropagator(b3Format));
  }

  /**
   * The composite text-map propagator behind {@link #create(B3Format)}, for places that take a
   * {@link TextMapPropagator} (e.g. an agent extension customizing the configured propagators).
   */
  public static TextMapPropagator textMapPropagator(B3Format b3Format) {
    Objects.requireNonNull(b3Format, "b3Format");
    B3Propagator b3 =
        b3Format == B3Format.SINGLE_HEADER
            ? B3Propagator.injectingSingleHeader()
            : B3Propagator.injectingMultiHeaders();
    // Order matters for extraction only: each propagator extracts into the context the previous
    // one produced, so W3C trace context after B3 makes a valid traceparent win.
    // withW3cPrecedence: a losing B3 context leaves nothing behind (its debug flag).
    return TextMapPropagator.composite(
        withW3cPrecedence(b3),
        W3CTraceContextPropagator.getInstance(),
        W3CBaggagePropagator.getInstance());
  }

  /**
   * Makes W3C win over {@code b3} when both are on a carrier, whatever order a composite puts them
   * in, and marks B3 contexts that made no sampling decision ({@link B3Deferral}) or that hold only
   * B3's bare "deny" ({@link B3Deny}). OpenTelemetry's autoconfigure composes {@code
   * otel.propagators} in the listed order and a later propagator overrides an earlier one, so
   * {@code tracecontext,baggage,b3multi} on its own would let B3 win; the agent extension wraps the
   * B3 propagator with this.
   *
   * @param b3 the propagator whose extraction a valid {@code traceparent} overrides
   */
  public static TextMapPropagator withW3cPrecedence(TextMapPropagator b3) {
    Objects.requireNonNull(b3, "b3");
    return b3 instanceof B3Extraction e && e.w3cWins() ? b3 : new B3Extraction(unwrap(b3), true);
  }

  /**
   * Marks B3 contexts that made no sampling decision ({@link B3Deferral}) or that hold only B3's
   * bare "deny" ({@link B3Deny}), and leaves W3C headers alone: for a propagator set without W3C
   * trace context, where a {@code traceparent} on the carrier must not be read.
   *
   * @param b3 the B3 propagator
   */
  public static TextMapPropagator withB3Deferral(TextMapPropagator b3) {
    Objects.requireNonNull(b3, "b3");
    return b3 instanceof B3Extraction e && !e.w3cWins() ? b3 : new B3Extraction(unwrap(b3), false);
  }

  /**
   * Makes W3C win over a trace-context propagator other than B3 (Jaeger, OpenTracing, AWS X-Ray,
   * ...) when both find a trace on a carrier, whatever order a composite puts them in: a valid
   * {@code traceparent} replaces the span context {@code other} extracted, and what else it
   * extracted (its baggage) stays. A B3 propagator gets {@link #withW3cPrecedence}; W3C's own
   * propagators are returned as they are. The agent extension wraps every configured propagator
   * with this when {@code tracecontext} is among {@code otel.propagators}.
   *
   * @param other the propagator whose span context a valid {@code traceparent} overrides
   */
  public static TextMapPropagator withW3cPrecedenceOver(TextMapPropagator other) {
    Objects.requireNonNull(other, "other");
    if (other instanceof B3Propagator || other instanceof B3Extraction) {
      return withW3cPrecedence(other);
    }
    if (other instanceof W3cPrecedence
        || other instanceof W3CTraceContextPropagator
        || other instanceof W3CBaggagePropagator) {
      return other;
    }
    return new W3cPrecedence(other);
  }

  /**
   * What one propagator that OpenTelemetry's autoconfigure built from {@code otel.propagators}
   * becomes, as the agent extension makes it: with {@code tracecontext} listed, {@link
   * #withW3cPrecedenceOver} (W3C wins over B3 and every other trace format, whatever the order
   * listed, and a B3 context's debug flag, "defer" and bare "deny" are handled as by {@link
   * #create()}); without it, B3 gets {@link #withB3Deferral} only and {@code traceparent} is not
   * read. For apps that autoconfigure the SDK:
   *
   * <pre>{@code
   * AutoConfiguredOpenTelemetrySdk.builder()
   *     .addPropagatorCustomizer((propagator, config) ->
   *         SluicePropagators.forConfigured(propagator, config.getList("otel.propagators")))
   * }</pre>
   *
   * @param configured one propagator autoconfigure built
   * @param listed the names in {@code otel.propagators} (empty when unset)
   */
  public static TextMapPropagator forConfigured(TextMapPropagator configured, List<String> listed) {
    Objects.requireNonNull(configured, "configured");
    if (!listed.contains("tracecontext")) {
      return configured instanceof B3Propagator ? withB3Deferral(configured) : configured;
    }
    return withW3cPrecedenceOver(configured);
  }

  private static TextMapPropagator unwrap(TextMapPropagator propagator) {
    return propagator instanceof B3Extraction e ? e.wrapped : propagator;
  }
}
