package io.sluice.controlplane.agents;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class AgentGaugesTest {

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final AtomicLong now = new AtomicLong(1_000_000);
  private final AgentGauges gauges = new AgentGauges(registry, now::get);

  private static Tags revision(long revision) {
    return Tags.of("service", "orders", "revision", Long.toString(revision));
  }

  private Double value(long revision) {
    var gauge = registry.find("sluice.agents").tags(revision(revision)).gauge();
    return gauge == null ? null : gauge.value();
  }

  @Test
  void aSeriesWhoseAgentsMovedOnShowsZeroForAWhileThenGoes() {
    gauges.set(Map.of(revision(1), 3));
    assertThat(value(1)).isEqualTo(3.0);

    gauges.set(Map.of(revision(2), 3));
    assertThat(value(2)).isEqualTo(3.0);
    assertThat(value(1)).as("scrapes see the drop").isEqualTo(0.0);

    now.addAndGet(AgentGauges.ZERO_KEPT_MILLIS - 1);
    gauges.sweep();
    assertThat(value(1)).isEqualTo(0.0);

    now.addAndGet(1);
    gauges.sweep();
    assertThat(value(1)).isNull();
    assertThat(value(2)).isEqualTo(3.0);
  }

  @Test
  void agentsMoveOneAtATimeBetweenSeries() {
    gauges.move(null, revision(1));
    gauges.move(null, revision(1));
    assertThat(value(1)).isEqualTo(2.0);

    gauges.move(revision(1), revision(2));
    gauges.move(revision(2), revision(2)); // a status rewritten on the same revision
    assertThat(value(1)).isEqualTo(1.0);
    assertThat(value(2)).isEqualTo(1.0);

    gauges.move(revision(1), null);
    assertThat(value(1)).isEqualTo(0.0);
    now.addAndGet(AgentGauges.ZERO_KEPT_MILLIS);
    gauges.sweep();
    assertThat(value(1)).isNull();
    assertThat(value(2)).isEqualTo(1.0);
  }

  @Test
  void aSeriesCountedAgainBeforeItsSweepStays() {
    gauges.move(null, revision(1));
    gauges.move(revision(1), null);
    now.addAndGet(AgentGauges.ZERO_KEPT_MILLIS - 1);
    gauges.move(null, revision(1));
    now.addAndGet(AgentGauges.ZERO_KEPT_MILLIS);
    gauges.sweep();
    assertThat(value(1)).isEqualTo(1.0);
  }

  @Test
  void aThousandRuleChangesLeaveOnlyTheRecentSeries() {
    for (long r = 1; r <= 1000; r++) {
      gauges.set(Map.of(revision(r), 2));
      now.addAndGet(60_000); // a rule change a minute, a sweep a minute
      gauges.sweep();
    }
    assertThat(gauges.size()).isLessThanOrEqualTo(7);
    assertThat(registry.find("sluice.agents").gauges()).hasSize(gauges.size());
    assertThat(value(1000)).isEqualTo(2.0);
  }

  @Test
  void aSeriesThatComesBackIsCountedAgain() {
    gauges.set(Map.of(revision(1), 1));
    gauges.set(Map.of());
    now.addAndGet(60_000);
    gauges.set(Map.of(revision(1), 2));
    now.addAndGet(AgentGauges.ZERO_KEPT_MILLIS);
    gauges.sweep();
    assertThat(value(1)).isEqualTo(2.0);
  }
}
