package io.sluice.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

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
}
