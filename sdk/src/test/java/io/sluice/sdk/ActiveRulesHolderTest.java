package io.sluice.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.sluice.sdk.source.FailingLogLines;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class ActiveRulesHolderTest {

  /**
   * In the agent, a listener class that cannot load fails with a LinkageError
   * (NoClassDefFoundError), not a RuntimeException. It must not stop the other listeners, nor
   * escape into the rule source (where it kills FileRuleSource's watch thread for good and makes
   * EtcdRuleSource skip the LKG save and its own listeners for that snapshot).
   */
  @Test
  void aListenerThatCannotLoadAClassDoesNotStopTheOthers() {
    ActiveRulesHolder holder = new ActiveRulesHolder(ActiveRules.defaults("orders"));
    List<ActiveRules> told = new CopyOnWriteArrayList<>();
    holder.addListener(
        r -> {
          throw new NoClassDefFoundError("io/sluice/Missing");
        });
    holder.addListener(told::add);
    ActiveRules next = ActiveRules.defaults("orders");

    assertThatCode(() -> holder.publish(next)).doesNotThrowAnyException();
    assertThat(told).containsExactly(next);
  }

  /**
   * A log handler of the app's that throws at the line saying a listener failed neither stops the
   * listeners after it nor makes {@code publish} throw into the rule source. Before, the line was
   * written plainly: its exception skipped the later listeners (such as the breaker registry's
   * retune) and left the rule source's task, which then told neither its own listeners nor saved
   * the last-known-good rules.
   */
  @Test
  void aListenerFailureWhoseLineThrowsStillTellsTheOthers() {
    ActiveRulesHolder holder = new ActiveRulesHolder(ActiveRules.defaults("orders"));
    List<ActiveRules> told = new CopyOnWriteArrayList<>();
    holder.addListener(
        r -> {
          throw new IllegalStateException("a listener fails, as a test asks");
        });
    holder.addListener(told::add);
    ActiveRules next = ActiveRules.defaults("orders");

    try (FailingLogLines line =
        FailingLogLines.of(ActiveRulesHolder.class, "a rules listener failed")) {
      assertThatCode(() -> holder.publish(next)).doesNotThrowAnyException();
      assertThat(line.failed()).isEqualTo(1);
    }
    assertThat(told).containsExactly(next);
    assertThat(holder.current()).isSameAs(next);
  }
}
