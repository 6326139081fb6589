package io.sluice.sdk.source;

import static io.sluice.sdk.source.SourceListeners.onApplied;
import static io.sluice.sdk.source.SourceListeners.onRejected;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.sdk.ActiveRules;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class RuleSourceListenersTest {

  private static final String FAILED_LINE = "a rule source listener failed";

  private final RuleSourceListeners listeners = new RuleSourceListeners();
  private final List<Object> told = new CopyOnWriteArrayList<>();

  RuleSourceListenersTest() {
    listeners.add(onApplied(rules -> fail()));
    listeners.add(onRejected(rejection -> fail()));
    listeners.add(onApplied(told::add));
    listeners.add(onRejected(told::add));
  }

  private static void fail() {
    throw new IllegalStateException("the first listener fails, as a test asks");
  }

  /**
   * Before, the line's exception left the loop: the listeners after the failed one were skipped.
   */
  @Test
  void aListenerAfterOneThatFailedIsToldOfRulesThoughTheFailureLineFails() {
    ActiveRules rules = ActiveRules.defaults("orders");
    try (FailingLogLines lines = FailingLogLines.of(RuleSourceListeners.class, FAILED_LINE)) {
      listeners.applied(rules);

      assertThat(lines.failed()).isEqualTo(1);
    }
    assertThat(told).containsExactly(rules);
  }

  @Test
  void aListenerAfterOneThatFailedIsToldOfARejectionThoughTheFailureLineFails() {
    RuleRejection rejection =
        new RuleRejection(ActiveRules.Source.FILE, "rules.json", 0, List.of(), Instant.EPOCH);
    try (FailingLogLines lines = FailingLogLines.of(RuleSourceListeners.class, FAILED_LINE)) {
      listeners.rejected(rejection);

      assertThat(lines.failed()).isEqualTo(1);
    }
    assertThat(told).containsExactly(rejection);
  }
}
