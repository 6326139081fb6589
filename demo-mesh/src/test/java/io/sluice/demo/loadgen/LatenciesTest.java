package io.sluice.demo.loadgen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LatenciesTest {
  @Test
  void quantilesAreExactByNearestRankWhileWithinCapacity() {
    Latencies latencies = new Latencies(1000);
    LongStream.rangeClosed(1, 100).map(i -> 101 - i).forEach(latencies::add);

    assertThat(latencies.quantile(0.5)).isEqualTo(50);
    assertThat(latencies.quantile(0.9)).isEqualTo(90);
    assertThat(latencies.quantile(0.99)).isEqualTo(99);
    assertThat(latencies.quantile(1.0)).isEqualTo(100);
    assertThat(latencies.max()).isEqualTo(100);
    assertThat(latencies.count()).isEqualTo(100);
  }

  @Test
  void isEmptyAfterClear() {
    Latencies latencies = new Latencies(10);
    latencies.add(5);
    latencies.clear();

    assertThat(latencies.quantile(0.5)).isZero();
    assertThat(latencies.max()).isZero();
    assertThat(latencies.count()).isZero();
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3})
  void keepsPercentilesCloseBeyondCapacityWithAUniformReservoir(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    long[] values = random.longs(200_000, 0, 1_000_000).toArray();
    Latencies latencies = new Latencies(10_000);
    Arrays.stream(values).forEach(latencies::add);
    Arrays.sort(values);

    assertThat(latencies.count()).isEqualTo(values.length);
    assertThat(latencies.max()).isEqualTo(values[values.length - 1]);
    assertThat(latencies.quantile(0.5)).isCloseTo(values[values.length / 2], within(30_000L));
    assertThat(latencies.quantile(0.99))
        .isCloseTo(values[(int) (values.length * 0.99)], within(10_000L));
  }
}
