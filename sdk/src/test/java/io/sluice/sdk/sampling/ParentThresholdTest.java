package io.sluice.sdk.sampling;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceId;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.testing.time.TestClock;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingDecision;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;
import io.sluice.rules.SamplingPolicy;
import io.sluice.sdk.ActiveRulesHolder;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A sampled parent's consistent probability threshold travels on with the span that follows the
 * parent's flag only when it holds for the trace: OpenTelemetry's tracestate probability sampling
 * has a stage erase a {@code th} that its randomness (the trace id's lowest 56 bits, or {@code rv})
 * does not meet, or that is no threshold, so collectors do not extrapolate counts from it.
 */
class ParentThresholdTest {

  private final Sampler sampler =
      RuleSampler.create(
          new ActiveRulesHolder(RuleSamplerTest.rules(1, new SamplingPolicy(0.0, true, List.of()))),
          TestClock.create());

  @ParameterizedTest(name = "ot={0}, trace id low bits {1}: th kept {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        // randomness from the trace id's lowest 56 bits (the top byte of the 64 is not randomness)
        "th:8           | 0080000000000000 | true",
        "th:8           | ff80000000000000 | true",
        "th:8           | 007fffffffffffff | false",
        "th:8           | ff7fffffffffffff | false",
        "th:0           | 0000000000000000 | true",
        "th:ffffffffffffff | 00ffffffffffffff | true",
        "th:ffffffffffffff | 00fffffffffffffe | false",
        // trailing zeros left out: th:08 is th:08000000000000, 2^51
        "th:08          | 0008000000000000 | true",
        "th:08          | 0007ffffffffffff | false",
        // an explicit rv is the randomness, whatever the trace id
        "th:8;rv:80000000000000 | 0000000000000000 | true",
        "rv:7fffffffffffff;th:8 | 00ffffffffffffff | false",
        "foo:bar;th:c;rv:c0000000000000 | 0000000000000000 | true",
        // no threshold at all: erased
        "th:            | 00ffffffffffffff | false",
        "th:8A          | 00ffffffffffffff | false",
        "th:123456789abcdef | 00ffffffffffffff | false",
        "th:-1          | 00ffffffffffffff | false",
        // an rv that is no randomness value: nothing to check against, passed on as it came
        "th:8;rv:01     | 0000000000000000 | true",
        "th:8;rv:zzzzzzzzzzzzzz | 0000000000000000 | true",
      })
  void aSampledParentsThresholdTravelsOnOnlyWhenItHolds(String ot, String lowBits, boolean kept) {
    TraceState parentState = TraceState.builder().put("ot", ot).put("vendor", "x").build();
    String traceId = TraceId.fromLongs(42, Long.parseUnsignedLong(lowBits, 16));

    SamplingResult result = followSampledParent(parentState, traceId);

    assertThat(result.getDecision()).isEqualTo(SamplingDecision.RECORD_AND_SAMPLE);
    assertThat(result.getAttributes().asMap())
        .as("the parent decided, whatever its th")
        .containsEntry(SamplingAttributes.RULE_KEY, SamplingAttributes.PARENT_RULE);
    TraceState out = result.getUpdatedTraceState(parentState);
    if (kept) {
      assertThat(out).isSameAs(parentState);
    } else {
      String rest = OwnDecision.withoutThreshold(ot);
      assertThat(out.get("ot")).as("ot of %s", out).isEqualTo(rest.isEmpty() ? null : rest);
      assertThat(out.get("vendor")).isEqualTo("x");
    }
  }

  @ParameterizedTest(name = "ot={0}")
  @CsvSource(
      delimiter = '|',
      value = {"rv:00000000000000", "foo:th;xth:f", "''"})
  void aParentWithoutAThresholdIsPassedOnAsItCame(String ot) {
    TraceState parentState =
        ot.isEmpty()
            ? TraceState.builder().put("vendor", "x").build()
            : TraceState.builder().put("ot", ot).build();
    String traceId = TraceId.fromLongs(42, 0);

    SamplingResult result = followSampledParent(parentState, traceId);

    assertThat(result.getUpdatedTraceState(parentState)).isSameAs(parentState);
    assertThat(ParentThreshold.holds(parentState, traceId)).isTrue();
  }

  private SamplingResult followSampledParent(TraceState parentState, String traceId) {
    SpanContext parent =
        SpanContext.createFromRemoteParent(
            traceId, "0102030405060708", TraceFlags.getSampled(), parentState);
    return sampler.shouldSample(
        Context.root().with(Span.wrap(parent)),
        traceId,
        "GET /orders",
        SpanKind.SERVER,
        Attributes.empty(),
        List.of());
  }
}
