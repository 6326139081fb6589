package io.sluice.sdk;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Writes a line of Sluice's own where a log handler that throws (a full disk, a broken appender)
 * must change nothing: a rule source's retry, a listener's turn, a close, a status write. The line
 * is then left unwritten, and the caller learns whether it was written, so that a "said once" flag
 * is set only for a line that was.
 */
public final class QuietLog {

  private QuietLog() {}

  /**
   * Logs {@code line} (with {@code thrown}, which may be null) at {@code level} on {@code logger};
   * never throws.
   *
   * @return whether the line was written: false when the logger's handler threw
   */
  public static boolean write(Logger logger, Level level, String line, Throwable thrown) {
    try {
      logger.log(level, line, thrown);
      return true;
    } catch (Throwable handlerFailed) {
      FatalErrors.rethrowIfFatal(handlerFailed);
      return false; // nowhere left to tell it: the caller goes on regardless
    }
  }
}
