package io.sluice.javaagent.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.javaagent.FreshCopyLoader;
import io.sluice.testing.logging.LogCapture;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Set;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

class SluiceBridgeTest {

  /**
   * A starter that throws (a bug in Sluice) lets the app's call go unguarded, and says so once
   * however many calls meet it. Before, the bridge dropped the failure without a word: breakers
   * that silently never guard anything. A copy of the bridge of its own, so that another test's
   * failing starter has not used up the one line.
   */
  @Test
  void aStarterThatThrowsLetsCallsGoUnguardedAndIsLoggedOnce() throws Exception {
    Class<?> bridge =
        new FreshCopyLoader(Set.of(SluiceBridge.class.getName()), Set.of())
            .copyOf(SluiceBridge.class);
    Class<?> starterType =
        Class.forName(bridge.getName() + "$CallStarter", true, bridge.getClassLoader());
    IllegalStateException bug = new IllegalStateException("a bug in Sluice");
    Object throwing =
        Proxy.newProxyInstance(
            bridge.getClassLoader(),
            new Class<?>[] {starterType},
            (proxy, method, args) -> {
              throw bug;
            });
    bridge.getField("starter").set(null, throwing);
    Method start = bridge.getMethod("start", String.class, int.class, String.class, String.class);

    try (LogCapture log = LogCapture.of(SluiceBridge.class)) {
      assertThat(start.invoke(null, "payments", 8080, "POST", "/pay")).isNull();
      assertThat(start.invoke(null, "payments", 8080, "POST", "/pay")).isNull();

      assertThat(log.records()).hasSize(1);
      LogRecord record = log.records().get(0);
      assertThat(record.getMessage()).contains("such calls go unguarded");
      assertThat(record.getThrown()).isSameAs(bug);
    }
  }
}
