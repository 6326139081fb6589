package io.sluice.javaagent.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClientsShutDownNowTest {

  /** A client whose {@code equals} says yes to anything: only identity may count. */
  private static final class EqualToAll {
    @Override
    public boolean equals(Object other) {
      return true;
    }

    @Override
    public int hashCode() {
      return 0;
    }
  }

  @Test
  void holdsTheClientTheAppShutDownNowAndNoOther() {
    Object client = new EqualToAll();
    ClientsShutDownNow.shutDownNow(client);

    assertThat(ClientsShutDownNow.holds(client)).isTrue();
    assertThat(ClientsShutDownNow.holds(new EqualToAll())).isFalse();
    assertThat(ClientsShutDownNow.holds(null)).isFalse();
  }

  @Test
  void aNullClientIsIgnored() {
    ClientsShutDownNow.shutDownNow(null);

    assertThat(ClientsShutDownNow.holds(null)).isFalse();
  }

  /**
   * What is held goes with the clients: once the app's clients are collected, their entries are
   * dropped, so an app that makes and shuts down clients over a long run holds no memory for them.
   */
  @Test
  void clientsTheAppNoLongerHoldsAreForgotten() {
    int before = ClientsShutDownNow.size();
    // every hundredth one held, so that some are surely there however much the collector took
    // while they were noted (it may also take entries counted in before: no comparison with it)
    List<Object> held = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      Object client = new Object();
      ClientsShutDownNow.shutDownNow(client);
      if (i % 100 == 0) {
        held.add(client);
      }
    }
    assertThat(ClientsShutDownNow.size()).isGreaterThanOrEqualTo(held.size());
    held.clear();

    await("the collected clients' entries are dropped")
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              System.gc();
              return ClientsShutDownNow.size() <= before + 100;
            });
  }
}
