package io.sluice.sdk.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceId;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingDecision;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TraceIdRatioTest {

  private static final double[] RATIOS = {
    0.0, 1e-9, 0.001, 0.1, 0.25, 1.0 / 3, 0.5, 0.75, 0.999999, 1.0, Math.nextDown(1.0)
  };

  /** Ours and OpenTelemetry's sampler for one ratio. */
  private record Both(double ratio, TraceIdRatio ours, Sampler theirs) {
    void assertSameDecision(String id) {
      assertThat(ours.keeps(id)).as("ratio %s, %s", ratio, id).isEqualTo(keeps(theirs, id));
    }
  }

  private static final List<Both> BOTH =
      java.util.Arrays.stream(RATIOS)
          .mapToObj(r -> new Both(r, TraceIdRatio.of(r), Sampler.traceIdRatioBased(r)))
          .toList();

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3})
  void decidesLikeTraceIdRatioBasedOnRandomTraceIds(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    for (Both both : BOTH) {
      for (int i = 0; i < 20_000; i++) {
        both.assertSameDecision(TraceId.fromLongs(random.nextLong(), random.nextLong()));
      }
    }
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3})
  void decidesLikeTraceIdRatioBasedAroundTheBoundAndTheEdges(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    long low48 = (1L << 48) - 1;
    for (Both both : BOTH) {
      long bound = (long) (both.ratio() * Long.MAX_VALUE);
      // values whose first four digits are the bound's (the case the first digits cannot settle),
      // the bound itself and its neighbours, both signs, and the extremes of a long
      long[] values = {
        bound,
        bound - 1,
        bound + 1,
        -bound,
        -bound + 1,
        -bound - 1,
        0,
        1,
        -1,
        Long.MIN_VALUE,
        Long.MIN_VALUE + 1,
        Long.MAX_VALUE,
        Long.MAX_VALUE - 1,
        (bound & ~low48) | (random.nextLong() & low48),
        -((bound & ~low48) | (random.nextLong() & low48)),
        Long.MIN_VALUE | (random.nextLong() & low48)
      };
      for (long value : values) {
        both.assertSameDecision(TraceId.fromLongs(random.nextLong(), value));
      }
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "0123456789abcdef8000000000000X00",
        "0123456789abcdefABCD456789abcdef",
        "0123456789abcdef0g23456789abcdef"
      })
  void refusesTraceIdsWhoseDecidingDigitsAreNotLowercaseHexLikeOpenTelemetry(String id) {
    assertThatThrownBy(() -> TraceIdRatio.of(0.5).keeps(id))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(id);
    assertThatThrownBy(() -> keeps(Sampler.traceIdRatioBased(0.5), id))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest
  @ValueSource(doubles = {-0.1, 1.1, Double.NaN})
  void refusesRatiosOutsideZeroToOne(double ratio) {
    assertThatThrownBy(() -> TraceIdRatio.of(ratio)).isInstanceOf(IllegalArgumentException.class);
  }

  private static boolean keeps(Sampler sampler, String id) {
    return sampler
            .shouldSample(Context.root(), id, "s", SpanKind.INTERNAL, Attributes.empty(), List.of())
            .getDecision()
        == SamplingDecision.RECORD_AND_SAMPLE;
  }
}
