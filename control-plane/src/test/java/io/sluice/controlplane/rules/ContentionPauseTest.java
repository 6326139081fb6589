package io.sluice.controlplane.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ContentionPauseTest {

  @Test
  void theBoundDoublesWithEveryAttemptLostUpToItsMax() {
    ContentionPause pause = new ContentionPause(Duration.ofMillis(5), Duration.ofMillis(100));

    assertThat(pause.bound(1)).isEqualTo(Duration.ofMillis(5));
    assertThat(pause.bound(2)).isEqualTo(Duration.ofMillis(10));
    assertThat(pause.bound(5)).isEqualTo(Duration.ofMillis(80));
    assertThat(pause.bound(6)).isEqualTo(Duration.ofMillis(100));
    assertThat(pause.bound(1_000)).isEqualTo(Duration.ofMillis(100));
  }

  /** A write's 19 pauses together stay well under a client's request timeout. */
  @Test
  void theDefaultPausesOfOneWriteTogetherStayUnderTwoSeconds() {
    assertThat(ContentionPause.DEFAULT.longestTotal(19))
        .isEqualTo(Duration.ofMillis(5 + 10 + 20 + 40 + 80 + 14 * 100))
        .isLessThan(Duration.ofSeconds(2));
  }

  @Test
  void refusesBoundsThatAreNoneOrOutOfOrderNamingThem() {
    assertThatThrownBy(() -> new ContentionPause(Duration.ZERO, Duration.ofMillis(1)))
        .hasMessage("first must be positive: PT0S");
    assertThatThrownBy(() -> new ContentionPause(Duration.ofMillis(5), Duration.ofMillis(1)))
        .hasMessage("max must be at least first (PT0.005S): PT0.001S");
  }
}
