package io.sluice.sdk.breaker;

import static io.sluice.sdk.breaker.Policies.payments;
import static io.sluice.sdk.breaker.Policies.rules;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import io.sluice.rules.BreakerScope;
import io.sluice.sdk.ActiveRulesHolder;
import io.sluice.testing.logging.BrokenLogHandler;
import io.sluice.testing.logging.LogCapture;
import io.sluice.testing.time.ManualClock;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BreakerMetricsTest {

  private static final String KEY = "payments.internal:8080";

  private final ManualClock clock = new ManualClock(Instant.ofEpochMilli(1_700_000_000_000L));
  private final InMemoryMetricReader reader = InMemoryMetricReader.create();
  private final SdkMeterProvider meters =
      SdkMeterProvider.builder().registerMetricReader(reader).build();
  private final ActiveRulesHolder holder = new ActiveRulesHolder(rules(1, payments()));
  private final BreakerRegistry registry =
      BreakerRegistry.builder(holder)
          .clock(clock)
          .meterProvider(meters)
          .automaticTransitionToHalfOpen(false)
          .build();

  @AfterEach
  void close() {
    registry.close();
    meters.close();
  }

  private GuardedCall call() {
    return registry.start("payments.internal", 8080, "POST", "/pay");
  }

  private static long value(Collection<MetricData> metrics, String name, Attributes attributes) {
    return metrics.stream()
        .filter(m -> m.getName().equals(name))
        .flatMap(m -> m.getData().getPoints().stream())
        .filter(p -> p.getAttributes().equals(attributes))
        .mapToLong(p -> ((LongPointData) p).getValue())
        .sum();
  }

  private static Attributes outcome(String outcome) {
    return Attributes.of(
        BreakerTelemetry.POLICY, "payments",
        BreakerTelemetry.KEY, KEY,
        BreakerTelemetry.OUTCOME, outcome);
  }

  private static final Attributes BREAKER =
      Attributes.of(BreakerTelemetry.POLICY, "payments", BreakerTelemetry.KEY, KEY);

  private static final Attributes STATE =
      BREAKER.toBuilder().put(BreakerTelemetry.SHADOW, false).build();

  @Test
  void countsOutcomesRejectionsAndStateAcrossARetune() {
    call().onResponse(200);
    for (int i = 0; i < 3; i++) {
      call().onError(new IOException());
    }
    assertThat(call().permitted()).isFalse();

    Collection<MetricData> m = reader.collectAllMetrics();
    assertThat(value(m, "sluice.breaker.calls", outcome("success"))).isEqualTo(1);
    assertThat(value(m, "sluice.breaker.calls", outcome("failure"))).isEqualTo(3);
    assertThat(value(m, "sluice.breaker.calls", outcome("rejected"))).isEqualTo(1);
    assertThat(value(m, "sluice.breaker.state", STATE)).isEqualTo(1);
    assertThat(
            value(
                m,
                "sluice.breaker.transitions",
                BREAKER.toBuilder()
                    .put(BreakerTelemetry.FROM, "CLOSED")
                    .put(BreakerTelemetry.TO, "OPEN")
                    .put(BreakerTelemetry.SHADOW, false)
                    .build()))
        .isEqualTo(1);

    // a retune to a changed policy: same breaker identity in metrics, state carried
    holder.publish(
        rules(
            2, Policies.with(payments(), 60, Duration.ofSeconds(10), BreakerScope.TARGET, false)));
    assertThat(call().permitted()).isFalse();
    m = reader.collectAllMetrics();
    assertThat(value(m, "sluice.breaker.calls", outcome("rejected"))).isEqualTo(2);
    assertThat(value(m, "sluice.breaker.state", STATE)).isEqualTo(1);

    clock.advance(Duration.ofSeconds(11));
    call().onResponse(200);
    m = reader.collectAllMetrics();
    assertThat(value(m, "sluice.breaker.state", STATE)).as("half-open").isEqualTo(2);
    assertThat(value(m, "sluice.breaker.calls", outcome("success"))).isEqualTo(2);
  }

  /**
   * A removed policy's breakers leave no series behind in any breaker instrument: the state gauge,
   * the calls counter and the transitions counter all stop reporting them. Before, the transitions
   * counter (synchronous, so kept by the SDK for as long as the process lives) went on reporting
   * every breaker that ever made a transition, removed or evicted, up to the SDK's cardinality
   * limit, past which all breakers' transitions fell into one overflow series.
   */
  @Test
  void aRemovedPolicysBreakersLeaveNoSeriesBehind() {
    for (int i = 0; i < 4; i++) {
      call().onError(new IOException());
    }
    assertThat(value(reader.collectAllMetrics(), "sluice.breaker.state", STATE)).isEqualTo(1);

    holder.publish(rules(2));

    assertThat(reader.collectAllMetrics())
        .flatMap(metric -> metric.getData().getPoints())
        .filteredOn(p -> "payments".equals(p.getAttributes().get(BreakerTelemetry.POLICY)))
        .isEmpty();
  }

  /**
   * A log handler that throws on a transition's line loses no count: the failure that opens the
   * breaker is counted like those before it. Before, the handler's exception, thrown where the call
   * noticed the opening, skipped the count of that call.
   */
  @Test
  void aLogHandlerThatThrowsOnATransitionLineLosesNoCount() {
    try (BrokenLogHandler broken = BrokenLogHandler.on(ManagedBreaker.class)) {
      for (int i = 0; i < 4; i++) {
        call().onError(new IOException());
      }
      assertThat(call().permitted()).isFalse();
    }
    Collection<MetricData> m = reader.collectAllMetrics();
    assertThat(value(m, "sluice.breaker.calls", outcome("failure"))).isEqualTo(4);
    assertThat(value(m, "sluice.breaker.calls", outcome("rejected"))).isEqualTo(1);
  }

  /**
   * The state gauge reports HALF_OPEN for an open breaker whose wait is over and whose automatic
   * transition was lost (held back here, see {@link HeldScheduler}), and the move is counted as a
   * transition. Before, the gauge said OPEN until the next call to the target.
   */
  @Test
  void theStateGaugeReportsHalfOpenForABreakerWhoseHalfOpenTransitionWasLost() {
    holder.publish(
        rules(2, Policies.with(payments(), 50, Duration.ofMillis(1), BreakerScope.TARGET, false)));
    try (BreakerRegistry automatic =
            BreakerRegistry.builder(holder).clock(clock).meterProvider(meters).build();
        HeldScheduler held = HeldScheduler.hold()) {
      for (int i = 0; i < 4; i++) {
        automatic.start("payments.internal", 8080, "POST", "/pay").onError(new IOException());
      }
      assertThat(value(reader.collectAllMetrics(), "sluice.breaker.state", STATE)).isEqualTo(1);

      clock.advance(Duration.ofSeconds(1));

      assertThat(value(reader.collectAllMetrics(), "sluice.breaker.state", STATE))
          .as("half-open: its 1 ms wait long over")
          .isEqualTo(2);
      assertThat(
              value(
                  reader.collectAllMetrics(),
                  "sluice.breaker.transitions",
                  BREAKER.toBuilder()
                      .put(BreakerTelemetry.FROM, "OPEN")
                      .put(BreakerTelemetry.TO, "HALF_OPEN")
                      .put(BreakerTelemetry.SHADOW, false)
                      .build()))
          .isEqualTo(1);
    }
  }

  @Test
  void shadowModeCountsWouldBeRejectionsAndTransitions() {
    holder.publish(
        rules(2, Policies.with(payments(), 50, Duration.ofSeconds(10), BreakerScope.TARGET, true)));
    for (int i = 0; i < 4; i++) {
      call().onError(new IOException());
    }
    for (int i = 0; i < 5; i++) {
      assertThat(call().permitted()).isTrue();
    }
    Collection<MetricData> m = reader.collectAllMetrics();
    assertThat(value(m, "sluice.breaker.calls", outcome("shadow_rejected"))).isEqualTo(5);
    assertThat(value(m, "sluice.breaker.calls", outcome("rejected"))).isZero();
    assertThat(
            value(
                m,
                "sluice.breaker.transitions",
                BREAKER.toBuilder()
                    .put(BreakerTelemetry.FROM, "CLOSED")
                    .put(BreakerTelemetry.TO, "OPEN")
                    .put(AttributeKey.booleanKey("sluice.breaker.shadow"), true)
                    .build()))
        .isEqualTo(1);
  }

  /**
   * A shadow breaker's state is the one it would be in: its series says so, so that an alert on
   * open breakers can leave out the ones that reject nothing. Before, an OPEN shadow breaker read
   * as any open one.
   */
  @Test
  void theStateGaugeTellsShadowBreakersApart() {
    holder.publish(rules(2, paymentsWith(50, true)));
    for (int i = 0; i < 4; i++) {
      call().onError(new IOException());
    }
    Attributes shadowState = BREAKER.toBuilder().put(BreakerTelemetry.SHADOW, true).build();

    Collection<MetricData> m = reader.collectAllMetrics();
    assertThat(value(m, "sluice.breaker.state", shadowState)).as("would be open").isEqualTo(1);
    assertThat(points(m, "sluice.breaker.state")).isEqualTo(1);

    holder.publish(rules(3, paymentsWith(50, false)));
    m = reader.collectAllMetrics();
    assertThat(value(m, "sluice.breaker.state", STATE)).as("open, rejecting").isEqualTo(1);
    assertThat(points(m, "sluice.breaker.state")).as("no shadow series left").isEqualTo(1);
  }

  private static long points(Collection<MetricData> metrics, String name) {
    return metrics.stream()
        .filter(m -> m.getName().equals(name))
        .mapToLong(m -> m.getData().getPoints().size())
        .sum();
  }

  private static Attributes transition(String from, String to, boolean shadow) {
    return BREAKER.toBuilder()
        .put(BreakerTelemetry.FROM, from)
        .put(BreakerTelemetry.TO, to)
        .put(BreakerTelemetry.SHADOW, shadow)
        .build();
  }

  private static io.sluice.rules.BreakerPolicy paymentsWith(double failureRate, boolean shadow) {
    return Policies.with(
        payments(), failureRate, Duration.ofSeconds(10), BreakerScope.TARGET, shadow);
  }

  /**
   * Shadow mode turned off while the breaker would be OPEN: it rejects at once, so it is told as an
   * opening (a transition with {@code shadow=false}, a log line, the listeners), the one its
   * shadow-mode opening was not. Before, nothing said so: the only opening counted and logged was
   * the shadow one ("would have moved").
   */
  @Test
  void turningShadowModeOffWhileOpenIsToldAsAnOpening() {
    holder.publish(rules(2, paymentsWith(50, true)));
    for (int i = 0; i < 4; i++) {
      call().onError(new IOException());
    }
    AtomicInteger heard = new AtomicInteger();
    registry.addTransitionListener(heard::incrementAndGet);

    try (LogCapture log = LogCapture.of(ManagedBreaker.class)) {
      holder.publish(rules(3, paymentsWith(50, false)));

      assertThat(call().permitted()).as("rejects at once").isFalse();
      Collection<MetricData> m = reader.collectAllMetrics();
      assertThat(value(m, "sluice.breaker.transitions", transition("CLOSED", "OPEN", true)))
          .isEqualTo(1);
      assertThat(value(m, "sluice.breaker.transitions", transition("CLOSED", "OPEN", false)))
          .isEqualTo(1);
      assertThat(heard).hasValue(1);
      assertThat(log.messages())
          .containsExactly(
              "breaker 'payments' for "
                  + KEY
                  + " moved from CLOSED to OPEN: shadow mode was turned off while it would have"
                  + " been OPEN");
    }
  }

  /**
   * Shadow mode turned on (here with a changed threshold, so a new Resilience4j breaker) while the
   * breaker is OPEN: calls go through at once, told as a move back to CLOSED with {@code
   * shadow=false}; its later would-be transitions count with {@code shadow=true}. Before, the
   * {@code shadow=false} series said it was still open.
   */
  @Test
  void turningShadowModeOnWhileOpenIsToldAsAClosingAndLaterTransitionsAsShadowOnes() {
    for (int i = 0; i < 4; i++) {
      call().onError(new IOException());
    }

    try (LogCapture log = LogCapture.of(ManagedBreaker.class)) {
      holder.publish(rules(2, paymentsWith(60, true)));

      assertThat(call().permitted()).as("a shadow breaker lets calls through").isTrue();
      assertThat(log.messages())
          .containsExactly(
              "breaker 'payments' for "
                  + KEY
                  + " moved from OPEN to CLOSED: shadow mode was turned on, so calls go through"
                  + " (as a shadow breaker it stays OPEN)");
    }
    clock.advance(Duration.ofSeconds(11));
    for (int i = 0; i < 2; i++) {
      call().onResponse(200);
    }
    Collection<MetricData> m = reader.collectAllMetrics();
    assertThat(value(m, "sluice.breaker.transitions", transition("CLOSED", "OPEN", false)))
        .isEqualTo(1);
    assertThat(value(m, "sluice.breaker.transitions", transition("OPEN", "CLOSED", false)))
        .isEqualTo(1);
    assertThat(value(m, "sluice.breaker.transitions", transition("OPEN", "HALF_OPEN", true)))
        .isEqualTo(1);
    assertThat(value(m, "sluice.breaker.transitions", transition("HALF_OPEN", "CLOSED", true)))
        .isEqualTo(1);
    assertThat(value(m, "sluice.breaker.transitions", transition("OPEN", "HALF_OPEN", false)))
        .isZero();
  }
}
