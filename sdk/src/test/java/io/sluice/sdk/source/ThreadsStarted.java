package io.sluice.sdk.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The threads a test saw started since a moment it noted: the file readers leave a thread behind
 * for each call given up on, and the tests count them and wait for them to end.
 */
final class ThreadsStarted {

  private final Set<Thread> before = Thread.getAllStackTraces().keySet();

  /** The threads alive now that were not before this was made, whose name passes {@code named}. */
  List<Thread> alive(Predicate<String> named) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> !before.contains(t) && t.isAlive() && named.test(t.getName()))
        .toList();
  }

  /** The one file-reading thread started since, which must still be alive. */
  Thread onlyReader() {
    List<Thread> readers = alive("sluice-read-file"::equals);
    assertThat(readers).as("blocked read threads").hasSize(1);
    return readers.get(0);
  }

  /** Waits, at most 10 s, until none of the threads started since, named so, is alive. */
  void awaitEnded(String what, Predicate<String> named) {
    await(what).atMost(Duration.ofSeconds(10)).until(() -> alive(named).isEmpty());
  }
}
