package io.sluice.sdk.propagation;

import static io.sluice.sdk.propagation.HeaderMaps.B3_SPAN;
import static io.sluice.sdk.propagation.HeaderMaps.B3_TRACE;
import static io.sluice.sdk.propagation.HeaderMaps.W3C_SPAN;
import static io.sluice.sdk.propagation.HeaderMaps.W3C_TRACE;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SluicePropagatorsTest {

  private static final TextMapSetter<Map<String, String>> SETTER = HeaderMaps.SETTER;

  private static final TextMapGetter<Map<String, String>> GETTER = HeaderMaps.GETTER;

  private final TextMapPropagator multi = SluicePropagators.create().getTextMapPropagator();
  private final TextMapPropagator single =
      SluicePropagators.create(SluicePropagators.B3Format.SINGLE_HEADER).getTextMapPropagator();

  /**
   * The agent's composite for {@code otel.propagators=tracecontext,baggage,b3multi}: in that order
   * (B3 extracts last), with the B3 propagator wrapped as the agent wraps it.
   */
  private final TextMapPropagator agentOrder =
      TextMapPropagator.composite(
          io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator.getInstance(),
          io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator.getInstance(),
          SluicePropagators.withW3cPrecedence(
              io.opentelemetry.extension.trace.propagation.B3Propagator.injectingMultiHeaders()));

  private static Context withSpan(String traceId, String spanId) {
    return Context.root()
        .with(
            Span.wrap(
                SpanContext.create(
                    traceId, spanId, TraceFlags.getSampled(), TraceState.getDefault())))
        .with(Baggage.builder().put("tenant", "acme").build());
  }

  private SpanContext extracted(TextMapPropagator propagator, Map<String, String> headers) {
    return Span.fromContext(propagator.extract(Context.root(), headers, GETTER)).getSpanContext();
  }

  @Test
  void injectsW3cBaggageAndB3MultiHeadersWithTheSameTraceId() {
    Map<String, String> headers = new HashMap<>();
    multi.inject(withSpan(W3C_TRACE, W3C_SPAN), headers, SETTER);
    assertThat(headers)
        .containsEntry("traceparent", "00-" + W3C_TRACE + "-" + W3C_SPAN + "-01")
        .containsEntry("x-b3-traceid", W3C_TRACE)
        .containsEntry("x-b3-spanid", W3C_SPAN)
        .containsEntry("x-b3-sampled", "1")
        .containsEntry("baggage", "tenant=acme")
        .doesNotContainKey("b3");
  }

  @Test
  void injectsB3SingleHeaderWhenConfigured() {
    Map<String, String> headers = new HashMap<>();
    single.inject(withSpan(W3C_TRACE, W3C_SPAN), headers, SETTER);
    assertThat(headers)
        .containsEntry("traceparent", "00-" + W3C_TRACE + "-" + W3C_SPAN + "-01")
        .containsEntry("b3", W3C_TRACE + "-" + W3C_SPAN + "-1")
        .doesNotContainKey("x-b3-traceid");
  }

  /**
   * A propagator only sets fields: a {@code b3} header the app put on the carrier itself (here its
   * caller's, forwarded by hand) stays beside the multi-header B3 of another trace, as the sdk
   * README says; B3 written as the single header replaces it on a carrier whose setter replaces.
   */
  @Test
  void anAppsOwnB3HeaderStaysBesideMultiHeaderB3AndTheSingleHeaderReplacesIt() {
    String forwarded = B3_TRACE + "-" + B3_SPAN + "-1";
    Map<String, String> headers = new HashMap<>(Map.of("b3", forwarded));
    multi.inject(withSpan(W3C_TRACE, W3C_SPAN), headers, SETTER);
    assertThat(headers)
        .containsEntry("x-b3-traceid", W3C_TRACE)
        .containsEntry("b3", forwarded); // left as the app set it

    Map<String, String> replaced = new HashMap<>(Map.of("b3", forwarded));
    single.inject(withSpan(W3C_TRACE, W3C_SPAN), replaced, SETTER);
    assertThat(replaced).containsEntry("b3", W3C_TRACE + "-" + W3C_SPAN + "-1");
  }

  @Test
  void extractsW3cAlone() {
    SpanContext sc =
        extracted(multi, Map.of("traceparent", "00-" + W3C_TRACE + "-" + W3C_SPAN + "-01"));
    assertThat(sc.getTraceId()).isEqualTo(W3C_TRACE);
    assertThat(sc.isRemote()).isTrue();
    assertThat(sc.isSampled()).isTrue();
  }

  @Test
  void extractsB3MultiAndSingleHeaderWhateverIsInjected() {
    Map<String, String> multiHeaders =
        Map.of("x-b3-traceid", B3_TRACE, "x-b3-spanid", B3_SPAN, "x-b3-sampled", "1");
    Map<String, String> singleHeader = Map.of("b3", B3_TRACE + "-" + B3_SPAN + "-1");
    for (TextMapPropagator p : new TextMapPropagator[] {multi, single}) {
      assertThat(extracted(p, multiHeaders).getTraceId()).isEqualTo(B3_TRACE);
      assertThat(extracted(p, singleHeader).getTraceId()).isEqualTo(B3_TRACE);
      assertThat(extracted(p, singleHeader).getSpanId()).isEqualTo(B3_SPAN);
    }
  }

  @Test
  void w3cWinsWhenW3cAndB3Disagree() {
    Map<String, String> headers = new HashMap<>();
    headers.put("traceparent", "00-" + W3C_TRACE + "-" + W3C_SPAN + "-00");
    headers.put("x-b3-traceid", B3_TRACE);
    headers.put("x-b3-spanid", B3_SPAN);
    headers.put("x-b3-sampled", "1");
    headers.put("b3", B3_TRACE + "-" + B3_SPAN + "-1");
    for (TextMapPropagator p : new TextMapPropagator[] {multi, single}) {
      SpanContext sc = extracted(p, headers);
      assertThat(sc.getTraceId()).isEqualTo(W3C_TRACE);
      assertThat(sc.getSpanId()).isEqualTo(W3C_SPAN);
      assertThat(sc.isSampled()).as("the W3C flags, not B3's").isFalse();
    }
  }

  @Test
  void invalidTraceparentLeavesTheB3Context() {
    Map<String, String> headers = new HashMap<>();
    headers.put("traceparent", "00-not-a-trace-01");
    headers.put("x-b3-traceid", B3_TRACE);
    headers.put("x-b3-spanid", B3_SPAN);
    assertThat(extracted(multi, headers).getTraceId()).isEqualTo(B3_TRACE);
  }

  @Test
  void extractsBaggageAndReinjectsEveryFormatWithOneTraceId() {
    Map<String, String> in = new HashMap<>();
    in.put("x-b3-traceid", B3_TRACE);
    in.put("x-b3-spanid", B3_SPAN);
    in.put("x-b3-sampled", "1");
    in.put("baggage", "tenant=acme");
    Context context = multi.extract(Context.root(), in, GETTER);
    assertThat(Baggage.fromContext(context).getEntryValue("tenant")).isEqualTo("acme");

    Map<String, String> out = new HashMap<>();
    multi.inject(context, out, SETTER);
    assertThat(out.get("traceparent")).contains(B3_TRACE);
    assertThat(out.get("x-b3-traceid")).isEqualTo(B3_TRACE);
    assertThat(multi.fields()).contains("traceparent", "baggage", "X-B3-TraceId");
  }

  @Test
  void w3cWinsOverB3EvenWhenAutoconfigurePutsB3Last() {
    // otel.propagators=tracecontext,baggage,b3multi composes in that order: B3 extracts last.
    Map<String, String> both = new HashMap<>();
    both.put("traceparent", "00-" + W3C_TRACE + "-" + W3C_SPAN + "-01");
    both.put("x-b3-traceid", B3_TRACE);
    both.put("x-b3-spanid", B3_SPAN);
    both.put("x-b3-sampled", "1");

    assertThat(extracted(agentOrder, both).getTraceId()).isEqualTo(W3C_TRACE);

    Map<String, String> b3Only = new HashMap<>(both);
    b3Only.remove("traceparent");
    assertThat(extracted(agentOrder, b3Only).getTraceId()).isEqualTo(B3_TRACE);

    Map<String, String> invalidW3c = new HashMap<>(both);
    invalidW3c.put("traceparent", "00-not-a-trace-01");
    assertThat(extracted(agentOrder, invalidW3c).getTraceId()).isEqualTo(B3_TRACE);
  }

  @Test
  void withoutThePrecedenceWrapperB3WouldWinInAgentOrder() {
    // Guards the reason the wrapper exists: if OpenTelemetry ever changes composite semantics,
    // this fails and the wrapper can go.
    TextMapPropagator plain =
        TextMapPropagator.composite(
            io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator.getInstance(),
            io.opentelemetry.extension.trace.propagation.B3Propagator.injectingMultiHeaders());
    Map<String, String> both = new HashMap<>();
    both.put("traceparent", "00-" + W3C_TRACE + "-" + W3C_SPAN + "-01");
    both.put("x-b3-traceid", B3_TRACE);
    both.put("x-b3-spanid", B3_SPAN);
    both.put("x-b3-sampled", "1");

    assertThat(extracted(plain, both).getTraceId()).isEqualTo(B3_TRACE);
  }

  /**
   * When W3C wins, nothing of the losing B3 context may survive: a B3 debug flag on another trace
   * must not make the outgoing B3 headers claim "sampled" (and debug) for the W3C trace, whose
   * traceparent says not sampled.
   */
  @Test
  void aLosingB3DebugFlagDoesNotLeakIntoTheWinningW3cTrace() {
    Map<String, String> in = new HashMap<>();
    in.put("traceparent", "00-" + W3C_TRACE + "-" + W3C_SPAN + "-00");
    in.put("x-b3-traceid", B3_TRACE);
    in.put("x-b3-spanid", B3_SPAN);
    in.put("x-b3-flags", "1");
    for (TextMapPropagator p : new TextMapPropagator[] {multi, agentOrder}) {
      Context context = p.extract(Context.root(), in, GETTER);
      assertThat(Span.fromContext(context).getSpanContext().getTraceId()).isEqualTo(W3C_TRACE);
      assertThat(Span.fromContext(context).getSpanContext().isSampled()).isFalse();

      Map<String, String> out = new HashMap<>();
      multi.inject(context, out, SETTER);
      assertThat(out.get("traceparent")).endsWith("-00");
      assertThat(out)
          .as("B3 headers must agree with traceparent on the W3C trace: %s", out)
          .containsEntry("x-b3-sampled", "0")
          .doesNotContainKey("x-b3-flags");
    }
  }

  @Test
  void aB3DebugFlagAgreeingWithTraceparentIsStillPropagated() {
    Map<String, String> in = new HashMap<>();
    in.put("traceparent", "00-" + W3C_TRACE + "-" + W3C_SPAN + "-01");
    in.put("x-b3-traceid", W3C_TRACE);
    in.put("x-b3-spanid", W3C_SPAN);
    in.put("x-b3-flags", "1");
    Context context = multi.extract(Context.root(), in, GETTER);
    Map<String, String> out = new HashMap<>();
    multi.inject(context, out, SETTER);
    assertThat(out).containsEntry("x-b3-flags", "1").containsEntry("x-b3-traceid", W3C_TRACE);
  }

  /**
   * B3's debug flag asks for one trace. A context that holds a B3 debug parent is often the base of
   * later work on other traces (a consumer reading a message's headers inside the request, a new
   * root span): their outgoing B3 headers must not claim debug for a trace nobody asked it for,
   * while the debug trace's own spans keep it. In the SDK's composites and in the agent's order;
   * also with a bare {@code b3: 0} beside the debug headers, which OpenTelemetry does not read (one
   * part), so the multi headers' debug makes the parent: it was left unmarked as a decision, and
   * the debug flag went out with every other trace's spans.
   */
  @Test
  void aB3DebugFlagStaysWithItsOwnTrace() {
    Map<String, String> debugOnly =
        Map.of("x-b3-traceid", B3_TRACE, "x-b3-spanid", B3_SPAN, "x-b3-flags", "1");
    Map<String, String> debugBesideADeny =
        Map.of("b3", "0", "x-b3-traceid", B3_TRACE, "x-b3-spanid", B3_SPAN, "x-b3-flags", "1");
    for (Map<String, String> debug : List.of(debugOnly, debugBesideADeny)) {
      checkDebugStaysWithItsOwnTrace(debug);
    }
  }

  private void checkDebugStaysWithItsOwnTrace(Map<String, String> debug) {
    Map<String, String> w3cYes = Map.of("traceparent", "00-" + W3C_TRACE + "-" + W3C_SPAN + "-01");
    Map<String, String> b3Yes =
        Map.of("x-b3-traceid", W3C_TRACE, "x-b3-spanid", W3C_SPAN, "x-b3-sampled", "1");
    String otherTrace = "11111111111111112222222222222222";
    for (TextMapPropagator p : new TextMapPropagator[] {multi, single, agentOrder}) {
      Context outer = p.extract(Context.root(), debug, GETTER);
      // a child in the debug trace keeps the flag
      Map<String, String> own = new HashMap<>();
      p.inject(outer.with(sampledSpan(B3_TRACE, W3C_SPAN)), own, SETTER);
      assertDebug(p, own, true);
      assertThat(Span.fromContext(outer).getSpanContext().isSampled())
          .as("%s, %s: debug makes the parent sampled", p, debug)
          .isTrue();
      // a message extracted over it, in W3C or in B3, and a new root span: other traces
      for (Map<String, String> inner : List.of(w3cYes, b3Yes)) {
        Context message = p.extract(outer, inner, GETTER);
        Map<String, String> out = new HashMap<>();
        p.inject(message.with(sampledSpan(W3C_TRACE, "00000000000000aa")), out, SETTER);
        assertThat(out.get("traceparent"))
            .as("%s, %s", p, debug)
            .contains(W3C_TRACE)
            .endsWith("-01");
        assertDebug(p, out, false);
      }
      Map<String, String> root = new HashMap<>();
      p.inject(outer.with(sampledSpan(otherTrace, "00000000000000bb")), root, SETTER);
      assertDebug(p, root, false);
      // a debug parent extracted over another debug context keeps its own flag
      Map<String, String> debugAgain =
          Map.of("x-b3-traceid", otherTrace, "x-b3-spanid", B3_SPAN, "x-b3-flags", "1");
      Map<String, String> nested = new HashMap<>();
      p.inject(p.extract(outer, debugAgain, GETTER), nested, SETTER);
      assertDebug(p, nested, true);
    }
  }

  private static Span sampledSpan(String traceId, String spanId) {
    return Span.wrap(
        SpanContext.create(traceId, spanId, TraceFlags.getSampled(), TraceState.getDefault()));
  }

  private void assertDebug(TextMapPropagator p, Map<String, String> out, boolean debug) {
    if (p == single) {
      assertThat(out.get("b3")).as("%s: %s", p, out).endsWith(debug ? "-d" : "-1");
    } else if (debug) {
      assertThat(out).as("%s", p).containsEntry("x-b3-flags", "1");
    } else {
      assertThat(out)
          .as("%s: %s", p, out)
          .containsEntry("x-b3-sampled", "1")
          .doesNotContainKey("x-b3-flags");
    }
  }

  /**
   * A B3 caller's debug flag asks for the trace, but the rules may still drop it (with {@code
   * respectParentDecision: false}): the outgoing headers must then say "not sampled" in B3 as
   * {@code traceparent} does, not "debug" and "sampled" in B3 beside {@code -00}. In the SDK's
   * composites and in the agent's order.
   */
  @Test
  void aB3DebugFlagOnATraceTheRulesDroppedSaysNotSampledInB3AsInW3c() {
    Map<String, String> in =
        Map.of("x-b3-traceid", B3_TRACE, "x-b3-spanid", B3_SPAN, "x-b3-flags", "1");
    for (TextMapPropagator p : new TextMapPropagator[] {multi, single, agentOrder}) {
      Context extracted = p.extract(Context.root(), in, GETTER);
      assertThat(Span.fromContext(extracted).getSpanContext().isSampled()).isTrue();
      // the span the sampler did not sample, as the SDK makes it: a child of the extracted context
      Context dropped =
          extracted.with(
              Span.wrap(
                  SpanContext.create(
                      B3_TRACE, W3C_SPAN, TraceFlags.getDefault(), TraceState.getDefault())));

      Map<String, String> out = new HashMap<>();
      p.inject(dropped, out, SETTER);
      assertThat(out.get("traceparent")).as("%s", p).endsWith("-00");
      if (p == single) {
        assertThat(out).as("%s", p).containsEntry("b3", B3_TRACE + "-" + W3C_SPAN + "-0");
      } else {
        assertThat(out)
            .as("%s: B3 must agree with traceparent: %s", p, out)
            .containsEntry("x-b3-sampled", "0")
            .doesNotContainKey("x-b3-flags");
      }

      Map<String, String> kept = new HashMap<>();
      p.inject(extracted, kept, SETTER);
      assertThat(kept.get("traceparent")).as("%s", p).endsWith("-01");
      if (p == single) {
        assertThat(kept).as("%s", p).containsEntry("b3", B3_TRACE + "-" + B3_SPAN + "-d");
      } else {
        assertThat(kept).as("%s", p).containsEntry("x-b3-flags", "1");
      }
    }
  }

  /**
   * A B3 caller that leaves the sampling decision to the receiver (no {@code X-B3-Sampled}, no
   * flags; a single {@code b3} header of trace and span id only) is "defer" in B3, not "not
   * sampled": the rules decide, while a B3 "0" is still followed. In both the SDK's composite and
   * the agent's order ({@code tracecontext,baggage,b3multi}).
   */
  @Test
  void b3WithoutSamplingStateLeavesTheDecisionToTheRules() {
    Map<String, String> multiDefer = Map.of("x-b3-traceid", B3_TRACE, "x-b3-spanid", B3_SPAN);
    Map<String, String> multiNo =
        Map.of("x-b3-traceid", B3_TRACE, "x-b3-spanid", B3_SPAN, "x-b3-sampled", "0");
    Map<String, String> singleDefer = Map.of("b3", B3_TRACE + "-" + B3_SPAN);
    Map<String, String> singleNo = Map.of("b3", B3_TRACE + "-" + B3_SPAN + "-0");
    Map<String, String> denyBesideMulti =
        Map.of("b3", "0", "x-b3-traceid", B3_TRACE, "x-b3-spanid", B3_SPAN);
    Map<String, String> w3cNo =
        Map.of(
            "traceparent", "00-" + W3C_TRACE + "-" + W3C_SPAN + "-00",
            "x-b3-traceid", B3_TRACE,
            "x-b3-spanid", B3_SPAN);
    for (TextMapPropagator p : new TextMapPropagator[] {multi, single, agentOrder}) {
      assertThat(decision(p, multiDefer, 1.0)).as("%s, multi defer, ratio 1", p).isTrue();
      assertThat(decision(p, multiDefer, 0.0)).as("%s, multi defer, ratio 0", p).isFalse();
      assertThat(decision(p, singleDefer, 1.0)).as("%s, single defer, ratio 1", p).isTrue();
      assertThat(decision(p, multiNo, 1.0)).as("%s, X-B3-Sampled: 0", p).isFalse();
      assertThat(decision(p, singleNo, 1.0)).as("%s, b3 ...-0", p).isFalse();
      assertThat(decision(p, denyBesideMulti, 1.0)).as("%s, b3: 0 beside ids", p).isFalse();
      assertThat(decision(p, w3cNo, 1.0)).as("%s, traceparent -00 wins", p).isFalse();
    }
  }

  /**
   * A carrier holding both B3 forms is judged by the one OpenTelemetry's propagator made the parent
   * from: the single header when it holds valid ids, else the multi headers. A bare {@code b3: 1}
   * or {@code b3: d} beside ids without {@code X-B3-Sampled} is no decision OpenTelemetry reads,
   * nor is {@code X-B3-Sampled: 1} or {@code X-B3-Flags: 1} beside a single header of ids only, nor
   * an empty state ({@code b3: <trace>-<span>-}): the rules decide, where the parent (read as not
   * sampled) used to drop the trace.
   */
  @Test
  void mixedB3FormsAreJudgedByTheFormThePropagatorRead() {
    String ids = B3_TRACE + "-" + B3_SPAN;
    List<Map<String, String>> deferred =
        List.of(
            Map.of("b3", "1", "x-b3-traceid", B3_TRACE, "x-b3-spanid", B3_SPAN),
            Map.of("b3", "d", "x-b3-traceid", B3_TRACE, "x-b3-spanid", B3_SPAN),
            Map.of("b3", ids, "x-b3-sampled", "1"),
            Map.of("b3", ids, "x-b3-flags", "1"),
            Map.of("b3", ids + "-"),
            Map.of("b3", ids + "--" + W3C_SPAN),
            Map.of("b3", B3_TRACE.substring(16) + "-" + B3_SPAN),
            Map.of("x-b3-traceid", B3_TRACE, "x-b3-spanid", B3_SPAN, "x-b3-sampled", ""));
    List<Map<String, String>> denied =
        List.of(
            Map.of("b3", ids + "-0", "x-b3-sampled", "1"),
            Map.of(
                "b3",
                "not-ids-1",
                "x-b3-traceid",
                B3_TRACE,
                "x-b3-spanid",
                B3_SPAN,
                "x-b3-sampled",
                "0"));
    for (TextMapPropagator p : new TextMapPropagator[] {multi, single, agentOrder}) {
      for (Map<String, String> headers : deferred) {
        assertThat(decision(p, headers, 1.0)).as("%s, %s, ratio 1", p, headers).isTrue();
        assertThat(decision(p, headers, 0.0)).as("%s, %s, ratio 0", p, headers).isFalse();
      }
      for (Map<String, String> headers : denied) {
        assertThat(decision(p, headers, 1.0)).as("%s, %s", p, headers).isFalse();
      }
      Map<String, String> acceptedInMulti =
          Map.of(
              "b3",
              "not-ids-d",
              "x-b3-traceid",
              B3_TRACE,
              "x-b3-spanid",
              B3_SPAN,
              "x-b3-sampled",
              "1");
      assertThat(decision(p, acceptedInMulti, 0.0)).as("%s, accepted in multi", p).isTrue();
    }
  }

  /**
   * B3 encodes debug as {@code X-B3-Flags: 1} and nothing else; B3 implementations ignore other
   * values (OpenTelemetry's propagator too: not debug). Such a header without {@code X-B3-Sampled}
   * carries no decision, so the rules decide, as for no flags header at all.
   */
  @Test
  void b3FlagsOtherThanDebugMakeNoDecision() {
    Map<String, String> flagsZero =
        Map.of("x-b3-traceid", B3_TRACE, "x-b3-spanid", B3_SPAN, "x-b3-flags", "0");
    Map<String, String> flagsZeroSampledNo =
        Map.of(
            "x-b3-traceid",
            B3_TRACE,
            "x-b3-spanid",
            B3_SPAN,
            "x-b3-flags",
            "0",
            "x-b3-sampled",
            "0");
    Map<String, String> debug =
        Map.of("x-b3-traceid", B3_TRACE, "x-b3-spanid", B3_SPAN, "x-b3-flags", "1");
    for (TextMapPropagator p : new TextMapPropagator[] {multi, single, agentOrder}) {
      assertThat(decision(p, flagsZero, 1.0)).as("%s, X-B3-Flags: 0, ratio 1", p).isTrue();
      assertThat(decision(p, flagsZero, 0.0)).as("%s, X-B3-Flags: 0, ratio 0", p).isFalse();
      assertThat(decision(p, flagsZeroSampledNo, 1.0)).as("%s, with X-B3-Sampled: 0", p).isFalse();
      assertThat(decision(p, debug, 0.0)).as("%s, X-B3-Flags: 1 is debug", p).isTrue();
    }
  }

  /**
   * The "defer" mark belongs to the B3 parent it was set for. A context holding such a parent is
   * often the base of a later extraction (a consumer reading a message's headers inside the request
   * that delivered it): a parent extracted there from headers that did decide ("not sampled", in
   * W3C or in B3) is followed, not handed to the rules by the outer request's mark.
   */
  @Test
  void aB3DeferralDoesNotOutliveItsParentWhenALaterExtractionDecides() {
    Map<String, String> multiDefer = Map.of("x-b3-traceid", B3_TRACE, "x-b3-spanid", B3_SPAN);
    Map<String, String> w3cNo = Map.of("traceparent", "00-" + W3C_TRACE + "-" + W3C_SPAN + "-00");
    Map<String, String> b3No =
        Map.of("x-b3-traceid", W3C_TRACE, "x-b3-spanid", W3C_SPAN, "x-b3-sampled", "0");
    Map<String, String> singleNo = Map.of("b3", W3C_TRACE + "-" + W3C_SPAN + "-0");
    for (TextMapPropagator p : new TextMapPropagator[] {multi, single, agentOrder}) {
      Context outer = p.extract(Context.root(), multiDefer, GETTER);
      assertThat(B3Deferral.isDeferred(outer)).as("%s", p).isTrue();
      for (Map<String, String> inner : List.of(w3cNo, b3No, singleNo)) {
        Context message = p.extract(outer, inner, GETTER);
        assertThat(Span.fromContext(message).getSpanContext().getSpanId()).isEqualTo(W3C_SPAN);
        assertThat(B3Deferral.isDeferred(message)).as("%s, %s", p, inner).isFalse();
        assertThat(decision(message, 1.0)).as("%s, %s over a deferred B3", p, inner).isFalse();
      }
      // the deferred parent itself still leaves the decision to the rules, also re-extracted
      Context again = p.extract(outer, multiDefer, GETTER);
      assertThat(decision(again, 1.0)).as("%s, deferred again", p).isTrue();
    }
  }

  @Test
  void aValidTraceparentWinsOverJaegerAndOtTraceListedAfterItAndTheirBaggageStays() {
    TextMapPropagator w3c =
        io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator.getInstance();
    for (TextMapPropagator other :
        List.of(
            io.opentelemetry.extension.trace.propagation.JaegerPropagator.getInstance(),
            io.opentelemetry.extension.trace.propagation.OtTracePropagator.getInstance())) {
      Map<String, String> headers = new HashMap<>();
      other.inject(withSpan(B3_TRACE, B3_SPAN), headers, SETTER);
      TextMapPropagator plain = TextMapPropagator.composite(w3c, other);
      TextMapPropagator wrapped =
          TextMapPropagator.composite(w3c, SluicePropagators.withW3cPrecedenceOver(other));

      // OpenTracing keeps 64 bits of the trace id: compare with what the format itself reads
      String theirs = extracted(other, headers).getTraceId();
      assertThat(theirs).endsWith(B3_TRACE.substring(16));
      assertThat(extracted(wrapped, headers).getTraceId()).as("%s alone", other).isEqualTo(theirs);

      headers.put("traceparent", "00-" + W3C_TRACE + "-" + W3C_SPAN + "-01");
      assertThat(extracted(plain, headers).getTraceId())
          .as("%s after tracecontext, unwrapped", other)
          .isEqualTo(theirs);
      Context context = wrapped.extract(Context.root(), headers, GETTER);
      SpanContext span = Span.fromContext(context).getSpanContext();
      assertThat(span.getTraceId()).as("%s wrapped", other).isEqualTo(W3C_TRACE);
      assertThat(span.getSpanId()).isEqualTo(W3C_SPAN);
      assertThat(span.isRemote()).isTrue();
      assertThat(Baggage.fromContext(context).getEntryValue("tenant"))
          .as("%s baggage", other)
          .isEqualTo("acme");

      headers.put("traceparent", "00-" + W3C_TRACE + "-0000000000000000-01");
      assertThat(extracted(wrapped, headers).getTraceId())
          .as("%s beside an invalid traceparent", other)
          .isEqualTo(theirs);
    }
  }

  @Test
  void w3cPrecedenceOverLeavesW3cAloneAndGivesB3ItsOwnWrapper() {
    TextMapPropagator w3c =
        io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator.getInstance();
    TextMapPropagator baggage =
        io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator.getInstance();
    assertThat(SluicePropagators.withW3cPrecedenceOver(w3c)).isSameAs(w3c);
    assertThat(SluicePropagators.withW3cPrecedenceOver(baggage)).isSameAs(baggage);
    TextMapPropagator b3 =
        SluicePropagators.withW3cPrecedenceOver(
            io.opentelemetry.extension.trace.propagation.B3Propagator.injectingMultiHeaders());
    assertThat(b3).isInstanceOf(B3Extraction.class);
    TextMapPropagator jaeger =
        SluicePropagators.withW3cPrecedenceOver(
            io.opentelemetry.extension.trace.propagation.JaegerPropagator.getInstance());
    assertThat(SluicePropagators.withW3cPrecedenceOver(jaeger)).isSameAs(jaeger);
    assertThat(jaeger.fields())
        .isEqualTo(
            io.opentelemetry.extension.trace.propagation.JaegerPropagator.getInstance().fields());
  }

  /** Whether the rule sampler keeps a SERVER span under the context {@code headers} give. */
  private static boolean decision(TextMapPropagator p, Map<String, String> headers, double ratio) {
    Context parent = p.extract(Context.root(), headers, GETTER);
    assertThat(Span.fromContext(parent).getSpanContext().isValid())
        .as("%s extracts a parent from %s", p, headers)
        .isTrue();
    return decision(parent, ratio);
  }

  /**
   * Whether the rule sampler keeps a SERVER span under {@code parent}, deciding by {@code ratio}
   * and respecting the parent's decision.
   */
  private static boolean decision(Context parent, double ratio) {
    return ServerSpanDecisions.keeps(parent, ratio, true);
  }

  /**
   * A null context or getter (a framework's odd call) is handled as OpenTelemetry's own propagators
   * handle it: the root context, or the context unchanged, never an exception into the app.
   */
  @Test
  void oddArgumentsExtractAsOpenTelemetrysOwnPropagatorsDo() {
    Map<String, String> b3 = Map.of("b3", "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1");
    Context context = Context.root().with(Baggage.builder().put("k", "v").build());
    for (TextMapPropagator propagator :
        List.of(
            SluicePropagators.withB3Deferral(
                io.opentelemetry.extension.trace.propagation.B3Propagator.injectingSingleHeader()),
            SluicePropagators.withW3cPrecedence(
                io.opentelemetry.extension.trace.propagation.B3Propagator.injectingSingleHeader()),
            SluicePropagators.withW3cPrecedenceOver(
                io.opentelemetry.extension.trace.propagation.B3Propagator
                    .injectingSingleHeader()))) {
      assertThat(propagator.extract(context, b3, null)).as("%s", propagator).isSameAs(context);
      assertThat(propagator.extract(null, Map.<String, String>of(), null))
          .isEqualTo(Context.root());
      assertThat(
              Span.fromContext(propagator.extract(null, b3, GETTER)).getSpanContext().getTraceId())
          .isEqualTo("80f198ee56343ba864fe8b2a57d3eff7");
    }
  }
}
