package io.sluice.controlplane;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;

/** Waits for the event stream's lines that tests read into a queue. */
final class EventLines {

  private EventLines() {}

  /** Waits up to 10 s until one line holds every part (a JSON field, an {@code event:} name). */
  static void awaitLineWith(Collection<String> lines, String... parts) {
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> lines.stream().anyMatch(line -> Arrays.stream(parts).allMatch(line::contains)));
  }
}
