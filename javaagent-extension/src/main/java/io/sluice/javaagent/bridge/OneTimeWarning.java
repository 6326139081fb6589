package io.sluice.javaagent.bridge;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Warns of the first failure of one kind, for code on an app's call path that must never throw: the
 * bridge itself and the helper classes injected next to an HTTP client. The failure is caught, the
 * app's call goes on, and one line says what that costs.
 *
 * <p>The twin of the SDK's {@code FirstFailureLog}, which the extension's own classes use: a bridge
 * class may use JDK types only, and helpers in an app's class loader cannot see the SDK, so they
 * share this one. As there, the failure counts as logged only once a log call returned (a handler
 * that throws leaves it for the next failure), and threads failing at once log one line between
 * them: the first claims the log, the others skip it while it logs. The logger is looked up at the
 * first failure, not when its owner loads: bridge classes load while the agent starts, before an
 * app may have chosen its {@code java.util.logging} manager.
 */
public final class OneTimeWarning {

  private static final int UNLOGGED = 0;
  private static final int LOGGING = 1;
  private static final int LOGGED = 2;

  private final String loggerName;
  private final String message;
  private final AtomicInteger state = new AtomicInteger(UNLOGGED);

  /** A warning of {@code message} on the logger named {@code loggerName}, not given yet. */
  public OneTimeWarning(String loggerName, String message) {
    this.loggerName = loggerName;
    this.message = message;
  }

  /** Logs {@code failure} at WARNING unless one was logged already (or is being logged). */
  public void log(Throwable failure) {
    if (state.get() != UNLOGGED || !state.compareAndSet(UNLOGGED, LOGGING)) {
      return;
    }
    boolean logged = false;
    try {
      Logger.getLogger(loggerName).log(Level.WARNING, message, failure);
      logged = true;
    } catch (RuntimeException | LinkageError logging) {
      // nowhere left to report it: the caller goes on, and the next failure tries again
    } finally {
      state.set(logged ? LOGGED : UNLOGGED);
    }
  }
}
