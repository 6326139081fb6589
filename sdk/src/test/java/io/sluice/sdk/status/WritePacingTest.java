package io.sluice.sdk.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.rules.wire.AgentStatus;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class WritePacingTest {

  private static final Duration REFRESH = Duration.ofSeconds(5);
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
  private static final AgentStatus STATUS =
      new AgentStatus(
          "i", "orders", "h", 1, null, null, null, "etcd", 7, null, List.of(), List.of());

  private final WritePacing pacing = new WritePacing(REFRESH);

  @Test
  void skipsAStatusWithoutMeaningfulChangeUntilThePeriodicRewrite() {
    assertThat(pacing.unchanged(STATUS, true, 0)).as("nothing written yet").isFalse();
    pacing.written(STATUS, 0);

    assertThat(pacing.unchanged(STATUS, true, 59 * SECOND)).isTrue();
    assertThat(pacing.unchanged(STATUS, true, 60 * SECOND)).as("rewritten each minute").isFalse();
    assertThat(pacing.unchanged(STATUS, false, SECOND)).as("no lease held").isFalse();
    AgentStatus newer =
        new AgentStatus(
            "i", "orders", "h", 1, null, null, null, "etcd", 8, null, List.of(), List.of());
    assertThat(pacing.unchanged(newer, true, SECOND)).as("another revision").isFalse();

    pacing.forgetWritten();
    assertThat(pacing.unchanged(STATUS, true, SECOND)).as("the key may be gone").isFalse();
  }

  @Test
  void backsOffOneRefreshIntervalDoublingUpToThreeAndStopsOnSuccess() {
    assertThat(pacing.retrying()).isFalse();
    assertThat(pacing.backingOff(0)).isFalse();

    pacing.failed(0);
    assertThat(pacing.retrying()).isTrue();
    assertThat(pacing.backingOff(5 * SECOND - 1)).isTrue();
    assertThat(pacing.backingOff(5 * SECOND)).isFalse();

    pacing.failed(100 * SECOND);
    assertThat(pacing.backingOff(110 * SECOND - 1)).as("two intervals").isTrue();
    assertThat(pacing.backingOff(110 * SECOND)).isFalse();

    pacing.failed(200 * SECOND);
    pacing.failed(300 * SECOND);
    assertThat(pacing.backingOff(315 * SECOND - 1)).as("capped at three intervals").isTrue();
    assertThat(pacing.backingOff(315 * SECOND)).isFalse();
    assertThat(pacing.maxBackoff()).isEqualTo(Duration.ofSeconds(15));

    pacing.written(STATUS, 316 * SECOND);
    assertThat(pacing.retrying()).isFalse();
    assertThat(pacing.backingOff(316 * SECOND)).isFalse();
  }

  @Test
  void aFailedWriteWritesTheNextStatusWhateverItHolds() {
    pacing.written(STATUS, 0);
    pacing.failed(SECOND);

    assertThat(pacing.unchanged(STATUS, true, 10 * SECOND)).isFalse();
  }
}
