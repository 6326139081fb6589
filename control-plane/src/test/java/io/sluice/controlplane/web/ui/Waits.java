package io.sluice.controlplane.web.ui;

import java.time.Duration;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.awaitility.pollinterval.PollInterval;

/**
 * The waits of the UI tests: awaitility's, looking at once and then soon, instead of after 100 ms
 * and every 100 ms.
 *
 * <p>Why: most of the UI tests' waits (three in four, measured over {@link WebUiIT}) find what they
 * wait for at their first look, as the page drew it while the test's click or call was answered.
 * Awaitility's default looks first after its poll interval, 100 ms, so each of them waited 100 ms
 * for nothing: over a thousand waits, some two and a half minutes of the class. A wait that does
 * wait looks again after 10, 20 and 40 ms, then every 50 ms: it sees the page about 25 ms sooner on
 * average than every 100 ms, and a look is one cheap WebDriver call. The bounds ({@code atMost}),
 * {@code during} and every other setting stay each wait's own.
 */
final class Waits {

  /** 10, 20, 40 ms, then every 50 ms. */
  private static final PollInterval SOON_THEN_EVERY_50_MS =
      (pollCount, previous) ->
          Duration.ofMillis(pollCount <= 1 ? 10 : pollCount == 2 ? 20 : pollCount == 3 ? 40 : 50);

  private Waits() {}

  /** As {@link Awaitility#await()}, looking at once, then soon (see the class). */
  static ConditionFactory await() {
    return Awaitility.await().pollDelay(Duration.ZERO).pollInterval(SOON_THEN_EVERY_50_MS);
  }

  /** As {@link Awaitility#await(String)}, looking at once, then soon (see the class). */
  static ConditionFactory await(String alias) {
    return await().alias(alias);
  }
}
