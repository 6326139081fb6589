package io.sluice.sdk.source;

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

  /**
   * The one file-reading thread started since, which must still be alive. Waits, at most 5 s, for
   * the reads of other files to end: a source another test left polling in this JVM may read its
   * file meanwhile, on a thread of the same name that ends within milliseconds, while a blocked
   * read's thread stays.
   */
  Thread onlyReader() {
    List<Thread> readers =
        await("one blocked read thread")
            .atMost(Duration.ofSeconds(5))
            .until(() -> alive("sluice-read-file"::equals), threads -> threads.size() == 1);
    return readers.get(0);
  }

  /** Waits, at most 10 s, until none of the threads started since, named so, is alive. */
  void awaitEnded(String what, Predicate<String> named) {
    await(what).atMost(Duration.ofSeconds(10)).until(() -> alive(named).isEmpty());
  }
}
