package io.sluice.javaagent.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testing.logging.LogCapture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The clients named as unguarded stay bounded: an app whose clients are named by class (a mocking
 * library's generated subclasses of an async client, say) gets {@link UnguardedClients#MAX_NAMED}
 * lines and status entries, then one line saying there are more, however many it makes. The
 * bridge's state is static and this is its only test in the JVM.
 */
class UnguardedClientsTest {

  @Test
  void namesTheFirstClientsOnceEachThenSaysOnceThatThereAreMore() {
    AtomicInteger updates = new AtomicInteger();
    UnguardedClients.statusUpdate = updates::incrementAndGet;
    UnguardedClients.watching();
    try (LogCapture log = LogCapture.of(UnguardedClients.class)) {
      for (int round = 0; round < 2; round++) {
        for (int i = 0; i < UnguardedClients.MAX_NAMED + 5; i++) {
          UnguardedClients.inUse("client " + (100 + i), "guarded instead");
        }
      }

      assertThat(UnguardedClients.named())
          .hasSize(UnguardedClients.MAX_NAMED)
          .containsEntry("client 100", "guarded instead")
          .doesNotContainKey("client " + (100 + UnguardedClients.MAX_NAMED));
      assertThat(updates).hasValue(UnguardedClients.MAX_NAMED);
      assertThat(log.messages())
          .filteredOn(m -> m.startsWith("Sluice: the app made client "))
          .hasSize(UnguardedClients.MAX_NAMED);
      assertThat(log.messages())
          .filteredOn(m -> m.startsWith("Sluice: the app made more than 20 kinds of HTTP client"))
          .hasSize(1);
    } finally {
      UnguardedClients.statusUpdate = null;
    }
  }
}
