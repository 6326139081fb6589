package io.sluice.sdk.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class RetryBackoffTest {

  @RepeatedTest(20)
  void eachWaitIsDrawnFromTheUpperHalfOfADoublingStepCappedAtTheMaximum() {
    RetryBackoff backoff = new RetryBackoff(Duration.ofMillis(100), Duration.ofMillis(1000));

    long[] steps = {100, 200, 400, 800, 1000, 1000};
    for (long step : steps) {
      assertThat(backoff.next()).as("a wait of the %d ms step", step).isBetween(step / 2, step);
    }
  }

  @Test
  void resetStartsAgainFromTheMinimum() {
    RetryBackoff backoff = new RetryBackoff(Duration.ofMillis(10), Duration.ofSeconds(5));
    for (int i = 0; i < 12; i++) {
      backoff.next();
    }

    backoff.reset();

    assertThat(backoff.next()).isBetween(5L, 10L);
    assertThat(backoff.next()).isBetween(10L, 20L);
  }

  @Test
  void aOneMillisecondMinimumStillGrows() {
    RetryBackoff backoff = new RetryBackoff(Duration.ofMillis(1), Duration.ofMillis(8));

    assertThat(backoff.next()).isBetween(0L, 1L);
    assertThat(backoff.next()).isBetween(1L, 2L);
    assertThat(backoff.next()).isBetween(2L, 4L);
    assertThat(backoff.next()).isBetween(4L, 8L);
    assertThat(backoff.next()).isBetween(4L, 8L);
  }
}
