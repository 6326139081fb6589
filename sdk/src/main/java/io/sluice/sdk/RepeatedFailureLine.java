package io.sluice.sdk;

import java.util.Objects;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Says a failure that may come back at every retry (a rule source's task, the status reporter's
 * task, a read of a rules file): at WARNING the first time in a stretch of such failures, at FINE
 * after, so that a failure that repeats for hours is one line, not a log full. The stretch ends
 * when the work succeeds again ({@link #ended()}), and the next failure is warned of anew.
 *
 * <p>Never throws ({@link QuietLog}): a WARNING that a log handler of the app's fails to write is
 * not counted as said, and the next failure tries it again. Meant for one thread at a time; its
 * state is volatile so that another thread sees where the stretch stands.
 */
public final class RepeatedFailureLine {

  private final Logger logger;
  private volatile boolean warned;

  /**
   * @param logger where the lines go
   */
  public RepeatedFailureLine(Logger logger) {
    this.logger = Objects.requireNonNull(logger, "logger");
  }

  /**
   * Says a failure: {@code warning} at WARNING when this stretch has not said one yet, {@code
   * again} at FINE when it has.
   *
   * @param thrown the failure, written with the line; may be null
   */
  public void failed(String warning, String again, Throwable thrown) {
    if (!warned) {
      warned = QuietLog.write(logger, Level.WARNING, warning, thrown);
    } else {
      QuietLog.write(logger, Level.FINE, again, thrown);
    }
  }

  /**
   * The work succeeded: ends the stretch.
   *
   * @return whether the stretch's WARNING was said, for the caller to say in one line that the work
   *     goes on again
   */
  public boolean ended() {
    boolean said = warned;
    warned = false;
    return said;
  }
}
