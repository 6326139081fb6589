package io.sluice.sdk.propagation;

import static io.sluice.sdk.propagation.HeaderMaps.W3C_SPAN;
import static io.sluice.sdk.propagation.HeaderMaps.W3C_TRACE;
import static io.sluice.sdk.propagation.ServerSpanDecisions.ROOT_TRACE;
import static io.sluice.sdk.propagation.ServerSpanDecisions.keeps;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.extension.trace.propagation.B3Propagator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * B3's bare "deny" (a sampling decision without ids) as the propagators mark it and the rule
 * sampler follows it, through every propagator set Sluice builds: its own composites in either B3
 * format, the agent's order (B3 listed after {@code tracecontext}) and B3 without W3C.
 */
class B3DenyTest {

  private static final TextMapGetter<Map<String, String>> GETTER = HeaderMaps.GETTER;

  static Stream<Arguments> propagators() {
    return Stream.of(
        Arguments.of("create()", SluicePropagators.create().getTextMapPropagator()),
        Arguments.of(
            "create(SINGLE_HEADER)",
            SluicePropagators.create(SluicePropagators.B3Format.SINGLE_HEADER)
                .getTextMapPropagator()),
        Arguments.of(
            "agent order: tracecontext, baggage, b3multi",
            TextMapPropagator.composite(
                io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator.getInstance(),
                io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator.getInstance(),
                SluicePropagators.withW3cPrecedence(B3Propagator.injectingMultiHeaders()))),
        Arguments.of(
            "withB3Deferral(b3), no W3C",
            SluicePropagators.withB3Deferral(B3Propagator.injectingSingleHeader())));
  }

  /** Headers (names in lower case) from alternating names and values. */
  private static Map<String, String> headers(String... namesAndValues) {
    return Stream.iterate(0, i -> i < namesAndValues.length, i -> i + 2)
        .collect(Collectors.toMap(i -> namesAndValues[i], i -> namesAndValues[i + 1]));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("propagators")
  void aBareB3DenyDropsTheServerSpanTheRulesWouldKeep(String name, TextMapPropagator p) {
    List<Map<String, String>> denies =
        List.of(
            headers("b3", "0"),
            headers("x-b3-sampled", "0"),
            headers("x-b3-sampled", "false"),
            headers("x-b3-sampled", "FALSE"),
            headers("x-b3-sampled", "0", "x-b3-traceid", ""),
            headers("x-b3-sampled", "0", "x-b3-flags", "0"),
            // a b3 header that is neither ids nor a bare decision leaves it to X-B3-*
            headers("b3", "not-ids", "x-b3-sampled", "0"),
            headers("b3", "", "x-b3-sampled", "0"),
            // the single header's decision counts, as OpenTelemetry reads it first
            headers("b3", "0", "x-b3-sampled", "1"),
            // ids of the other form that OpenTelemetry cannot read do not undo the single deny
            headers("b3", "0", "x-b3-traceid", "not-a-trace-id", "x-b3-spanid", W3C_SPAN));
    for (Map<String, String> deny : denies) {
      Context extracted = p.extract(Context.root(), deny, GETTER);
      assertThat(Span.fromContext(extracted).getSpanContext().isValid()).isFalse();
      assertThat(B3Deny.isDenied(extracted)).as("%s", deny).isTrue();
      assertThat(keeps(extracted, 1.0, true)).as("%s, ratio 1", deny).isFalse();
      assertThat(keeps(extracted, 1.0, false))
          .as("%s, ratio 1, respectParentDecision false", deny)
          .isTrue();
    }
  }

  /**
   * A bare accept or debug is not followed (the rules decide, as for B3's "defer"), and nothing
   * that is not a bare deny is read as one.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("propagators")
  void aBareB3AcceptOrDebugLeavesTheDecisionToTheRules(String name, TextMapPropagator p) {
    List<Map<String, String>> others =
        List.of(
            headers(),
            headers("b3", "1"),
            headers("b3", "d"),
            headers("x-b3-sampled", "1"),
            headers("x-b3-sampled", "true"),
            headers("x-b3-flags", "1"),
            headers("x-b3-sampled", "no"),
            headers("x-b3-sampled", ""),
            headers("b3", "00"),
            headers("b3", "0 "),
            // debug means accept, whatever X-B3-Sampled says
            headers("x-b3-sampled", "0", "x-b3-flags", "1"),
            // the single header's decision counts
            headers("b3", "1", "x-b3-sampled", "0"),
            headers("b3", "d", "x-b3-sampled", "0"),
            // ids OpenTelemetry cannot read: a broken parent, ignored as a whole
            headers("x-b3-traceid", "not-a-trace-id", "x-b3-spanid", W3C_SPAN, "x-b3-sampled", "0"),
            headers("x-b3-traceid", ROOT_TRACE, "x-b3-sampled", "0"));
    for (Map<String, String> other : others) {
      Context extracted = p.extract(Context.root(), other, GETTER);
      assertThat(Span.fromContext(extracted).getSpanContext().isValid()).isFalse();
      assertThat(B3Deny.isDenied(extracted)).as("%s", other).isFalse();
      assertThat(keeps(extracted, 1.0, true)).as("%s, ratio 1", other).isTrue();
      assertThat(keeps(extracted, 0.0, true)).as("%s, ratio 0", other).isFalse();
    }
  }

  /** W3C wins over B3: a valid {@code traceparent} beside a bare deny is the parent followed. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("propagators")
  void aValidTraceparentBesideABareB3DenyIsFollowed(String name, TextMapPropagator p) {
    boolean readsW3c = !name.contains("no W3C");
    for (Map<String, String> deny :
        List.of(
            headers("b3", "0", "traceparent", "00-" + W3C_TRACE + "-" + W3C_SPAN + "-01"),
            headers(
                "x-b3-sampled", "0", "traceparent", "00-" + W3C_TRACE + "-" + W3C_SPAN + "-01"))) {
      Context extracted = p.extract(Context.root(), deny, GETTER);
      assertThat(Span.fromContext(extracted).getSpanContext().isValid()).isEqualTo(readsW3c);
      assertThat(B3Deny.isDenied(extracted)).as("%s", deny).isEqualTo(!readsW3c);
      assertThat(keeps(extracted, 0.0, true))
          .as("%s, sampled traceparent", deny)
          .isEqualTo(readsW3c);
    }
    // an invalid traceparent leaves the deny standing, as it leaves a B3 parent standing
    Context invalidW3c =
        p.extract(
            Context.root(),
            headers("b3", "0", "traceparent", "00-" + W3C_TRACE + "-0000000000000000-01"),
            GETTER);
    assertThat(B3Deny.isDenied(invalidW3c)).isTrue();
  }

  /**
   * A bare deny read over a context that already holds a span (a message's headers read inside a
   * request) marks nothing: that span is the parent, and it decides.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("propagators")
  void aBareB3DenyOverAContextWithASpanLeavesThatParentToDecide(String name, TextMapPropagator p) {
    SpanContext sampled =
        SpanContext.create(W3C_TRACE, W3C_SPAN, TraceFlags.getSampled(), TraceState.getDefault());
    Context request = Context.root().with(Span.wrap(sampled));
    Context message = p.extract(request, headers("b3", "0"), GETTER);
    assertThat(message).isSameAs(request);
    assertThat(B3Deny.isDenied(message)).isFalse();
    assertThat(keeps(message, 0.0, true)).isTrue();
  }
}
