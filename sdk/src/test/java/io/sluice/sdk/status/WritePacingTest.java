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

  /**
   * Refreshes come every 5 s; a write begins a moment after its refresh and may fail as late as a
   * call's timeout after that. Failed writes are retried at the refresh one, then two, then at most
   * three intervals after the failing write began, even when that refresh comes a little early
   * (before: the wait was counted from the failure, so one refresh more was always let by, and
   * retries came 10, 15 and 20 s apart).
   */
  @Test
  void retriesAtTheRefreshOneTwoThenThreeIntervalsAfterTheFailingWriteBeganAndStopsOnSuccess() {
    long early = TimeUnit.MILLISECONDS.toNanos(200);
    assertThat(pacing.retrying()).isFalse();
    assertThat(pacing.backingOff(0)).isFalse();

    pacing.failed(0);
    assertThat(pacing.retrying()).isTrue();
    assertThat(pacing.backingOff(SECOND)).isTrue();
    assertThat(pacing.backingOff(5 * SECOND - early)).as("the next refresh retries").isFalse();

    pacing.failed(5 * SECOND);
    assertThat(pacing.backingOff(10 * SECOND + early)).as("two intervals").isTrue();
    assertThat(pacing.backingOff(15 * SECOND - early)).isFalse();

    pacing.failed(15 * SECOND);
    assertThat(pacing.backingOff(25 * SECOND + early)).as("three intervals").isTrue();
    assertThat(pacing.backingOff(30 * SECOND - early)).isFalse();

    pacing.failed(30 * SECOND);
    assertThat(pacing.backingOff(40 * SECOND + early)).as("capped at three").isTrue();
    assertThat(pacing.backingOff(45 * SECOND - early)).isFalse();
    assertThat(pacing.maxBackoff()).isEqualTo(Duration.ofSeconds(15));

    pacing.written(STATUS, 46 * SECOND);
    assertThat(pacing.retrying()).isFalse();
    assertThat(pacing.backingOff(46 * SECOND)).isFalse();
  }

  @Test
  void aFailedWriteWritesTheNextStatusWhateverItHolds() {
    pacing.written(STATUS, 0);
    pacing.failed(SECOND);

    assertThat(pacing.unchanged(STATUS, true, 10 * SECOND)).isFalse();
  }
}
