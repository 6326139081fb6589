package io.sluice.javaagent.entry;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Tells the app's log that Sluice's runtime could not be loaded, with the cause's stack trace once.
 * The agent asks each entry point for its part of Sluice (the customizer, the sampler, the
 * listener) and every one of them then fails for the same reason: three stack traces of one root
 * failure buried the line that mattered. The first says it in full; the others say only what they
 * fall back to, and the cause in one line.
 */
final class RuntimeLoadWarning {

  /** The one warning all entry points of this extension share. */
  static final RuntimeLoadWarning SHARED = new RuntimeLoadWarning();

  private final AtomicBoolean toldInFull = new AtomicBoolean();

  /**
   * Warns on {@code logger} that the runtime could not be loaded and what the app runs on instead.
   *
   * @param fallback what the entry point does without the runtime, as the end of a sentence
   * @param failure why the runtime could not be loaded
   */
  void warn(Logger logger, String fallback, Throwable failure) {
    if (toldInFull.compareAndSet(false, true)) {
      logger.log(Level.WARNING, "Sluice could not load its runtime; " + fallback, failure);
    } else {
      logger.log(
          Level.WARNING,
          "Sluice could not load its runtime (see the first such warning); "
              + fallback
              + " ("
              + failure
              + ")");
    }
  }
}
