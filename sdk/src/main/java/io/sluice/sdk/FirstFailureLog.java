package io.sluice.sdk;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Logs the first failure of one kind, once per owner (a registry, a sampler, an instrumentation),
 * for code on the request path that must never throw: a failure there is caught, the app's call or
 * span goes on, and one line says so.
 *
 * <p>The failure counts as logged only once a log call returned: a log handler that throws (a full
 * disk, a broken appender) leaves it unlogged, and the next failure tries again. Threads failing at
 * once log one line between them: the first claims the log, the others skip it while it logs.
 */
public final class FirstFailureLog {

  private static final int UNLOGGED = 0;
  private static final int LOGGING = 1;
  private static final int LOGGED = 2;

  private final Logger logger;
  private final String message;
  private final AtomicInteger state = new AtomicInteger(UNLOGGED);

  /** A log of {@code message} at WARNING on {@code logger}, not yet written. */
  public FirstFailureLog(Logger logger, String message) {
    this.logger = logger;
    this.message = message;
  }

  /**
   * Logs {@code failure} unless a failure was logged already (or is being logged). Never throws.
   */
  public void log(Throwable failure) {
    log(failure, null);
  }

  /**
   * As {@link #log(Throwable)}, with {@code detail} (which one failed: a breaker, a target) added
   * to the message in parentheses when it is not null. The line is only built when it is logged.
   */
  public void log(Throwable failure, String detail) {
    if (state.get() != UNLOGGED || !state.compareAndSet(UNLOGGED, LOGGING)) {
      return;
    }
    boolean logged = false;
    try {
      logger.log(Level.WARNING, detail == null ? message : message + " (" + detail + ")", failure);
      logged = true;
    } catch (RuntimeException | LinkageError logging) {
      // nowhere left to report it: the caller goes on, and the next failure tries again
    } finally {
      state.set(logged ? LOGGED : UNLOGGED);
    }
  }
}
