package io.sluice.sdk.breaker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** Per-target minute statistics: counts, the sliding minute, rotation and the p99 bucket. */
class TargetRecorderTest {

  private static final long MINUTE = TargetRecorder.MINUTE_NANOS;
  private static final long MS = 1_000_000L;

  @Test
  void countsCallsErrorsAndRejectionsOfTheCurrentMinute() {
    long t0 = 100 * MINUTE + 1;
    TargetRecorder recorder = new TargetRecorder(t0);
    for (int i = 0; i < 90; i++) {
      recorder.record(t0 + i, 2 * MS, false, true, false);
    }
    for (int i = 0; i < 8; i++) {
      recorder.record(t0 + i, 2 * MS, true, true, false);
    }
    recorder.recordRejected(t0);
    recorder.recordRejected(t0);

    TargetRecorder.Snapshot snapshot = recorder.snapshot(t0 + 10);
    assertThat(snapshot.calls()).isEqualTo(100);
    assertThat(snapshot.errors()).isEqualTo(10);
    assertThat(snapshot.p99Millis()).isBetween(2.0, 3.0);
  }

  @Test
  void countsUnguardedCallsAndErrorsApartAndForgetsThemWithTheirMinute() {
    long t0 = 20 * MINUTE;
    TargetRecorder recorder = new TargetRecorder(t0);
    recorder.record(t0, MS, false, true, false);
    recorder.record(t0, MS, true, true, false);
    recorder.record(t0, MS, false, false, false);
    recorder.record(t0, MS, true, false, false);
    recorder.record(t0, MS, true, false, true);
    recorder.recordRejected(t0);

    TargetRecorder.Snapshot snapshot = recorder.snapshot(t0 + 1);
    assertThat(snapshot.calls()).isEqualTo(6);
    assertThat(snapshot.errors()).isEqualTo(4);
    assertThat(snapshot.unguardedCalls()).isEqualTo(3);
    assertThat(snapshot.unguardedErrors()).isEqualTo(2);
    assertThat(snapshot.shadowCalls()).as("one of them a policy in shadow mode matched").isOne();

    long later = t0 + 2 * MINUTE + 1;
    recorder.record(later, MS, false, true, false);
    assertThat(recorder.snapshot(later).unguardedCalls()).isZero();
    assertThat(recorder.snapshot(later).unguardedErrors()).isZero();
    assertThat(recorder.snapshot(later).shadowCalls()).isZero();
  }

  @Test
  void weighsThePreviousMinuteByWhatIsLeftOfItAndForgetsOlderOnes() {
    long t0 = 100 * MINUTE;
    TargetRecorder recorder = new TargetRecorder(t0);
    for (int i = 0; i < 100; i++) {
      recorder.record(t0 + i, MS, i % 2 == 0, true, false);
    }
    // a quarter into the next minute: three quarters of the previous one still count
    long next = t0 + MINUTE + MINUTE / 4;
    recorder.record(next, MS, false, true, false);
    TargetRecorder.Snapshot snapshot = recorder.snapshot(next);
    assertThat(snapshot.calls()).isEqualTo(76);
    assertThat(snapshot.errors()).isEqualTo(38);

    // two minutes on, the slot of minute 100 is reused and starts from zero
    long later = t0 + 2 * MINUTE + 1;
    recorder.record(later, MS, true, true, false);
    TargetRecorder.Snapshot after = recorder.snapshot(later);
    assertThat(after.calls()).isEqualTo(2);
    assertThat(after.errors()).isEqualTo(1);
  }

  @Test
  void aRecordingFromBeforeThePreviousMinuteCannotWipeTheCurrentOne() {
    long t0 = 50 * MINUTE;
    TargetRecorder recorder = new TargetRecorder(t0);
    long now = t0 + 2 * MINUTE + 1;
    recorder.record(now, MS, false, true, false);
    recorder.record(t0 + 1, MS, true, true, false); // a late report with a time two minutes old
    TargetRecorder.Snapshot snapshot = recorder.snapshot(now);
    assertThat(snapshot.calls()).isEqualTo(1);
    assertThat(snapshot.errors()).isZero();
  }

  @Test
  void reportsNothingOnceTwoMinutesPassedWithoutCalls() {
    long t0 = 7 * MINUTE;
    TargetRecorder recorder = new TargetRecorder(t0);
    recorder.record(t0, MS, true, true, false);
    TargetRecorder.Snapshot snapshot = recorder.snapshot(t0 + 2 * MINUTE + 1);
    assertThat(snapshot.calls()).isZero();
    assertThat(snapshot.errors()).isZero();
    assertThat(snapshot.p99Millis()).isNull();
  }

  @Test
  void rejectedCallsAloneCountAsCallsWithoutALatency() {
    long t0 = 9 * MINUTE;
    TargetRecorder recorder = new TargetRecorder(t0);
    recorder.recordRejected(t0);
    recorder.recordRejected(t0 + 1);

    TargetRecorder.Snapshot snapshot = recorder.snapshot(t0 + 2);
    assertThat(snapshot.calls()).isEqualTo(2);
    assertThat(snapshot.p99Millis()).isNull();

    recorder.record(t0 + 3, 2 * MS, false, true, false);
    assertThat(recorder.snapshot(t0 + 4).p99Millis()).isBetween(2.0, 3.0);
  }

  @Test
  void p99IsTheUpperBoundOfTheBucketHoldingTheSlowestPercent() {
    long t0 = 3 * MINUTE;
    TargetRecorder recorder = new TargetRecorder(t0);
    for (int i = 0; i < 98; i++) {
      recorder.record(t0, MS, false, true, false);
    }
    recorder.record(t0, 500 * MS, false, true, false);
    recorder.record(t0, 500 * MS, false, true, false);
    double p99 = recorder.snapshot(t0).p99Millis();
    assertThat(p99).isGreaterThanOrEqualTo(500.0).isLessThanOrEqualTo(750.0);
    assertThat(TargetRecorder.upperMillis(TargetRecorder.bucket(1000))).isCloseTo(1.5, within(0.6));
  }
}
