package io.sluice.sdk.breaker;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testing.logging.LogCapture;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TransitionLogTest {

  private final TransitionLog log = new TransitionLog();

  @Test
  void dropsTheWindowsOfPoliciesNoLongerInForce() {
    log.log("payments", "payments opened", 0);
    log.log("tenants", "tenants opened", 0);
    log.log("inventory", "inventory opened", 0);

    log.retainOnly(Set.of("payments", "search"));

    assertThat(log.policies()).containsExactly("payments");
  }

  /** A policy removed and added again does not report lines left out before it was removed. */
  @Test
  void aPolicyAddedAgainStartsAFreshWindow() {
    try (LogCapture captured = LogCapture.of(ManagedBreaker.class)) {
      for (int i = 0; i < TransitionLog.LINES_PER_WINDOW + 3; i++) {
        log.log("tenants", "line " + i, 0);
      }
      log.retainOnly(Set.of());
      log.log("tenants", "after", TransitionLog.WINDOW_MILLIS);

      assertThat(captured.messages())
          .hasSize(TransitionLog.LINES_PER_WINDOW + 1)
          .last()
          .isEqualTo("after");
    }
  }
}
