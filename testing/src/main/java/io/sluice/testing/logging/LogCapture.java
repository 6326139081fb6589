package io.sluice.testing.logging;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Collects what one class logs through java.util.logging, for tests that check log lines: {@code
 * try (LogCapture log = LogCapture.of(Type.class)) { ... log.messages() ... }}. Shared by every
 * module's tests, so none writes its own handler.
 */
public final class LogCapture extends Handler implements AutoCloseable {

  private final Logger logger;
  private final Level levelBefore;
  private final List<LogRecord> records = new CopyOnWriteArrayList<>();

  private LogCapture(Logger logger, Level levelBefore) {
    this.logger = logger;
    this.levelBefore = levelBefore;
  }

  /** What {@code type} logs at its logger's level (INFO unless configured otherwise). */
  public static LogCapture of(Class<?> type) {
    return of(type.getName());
  }

  /**
   * What {@code type} logs down to {@code level}, such as FINE: a test can then tell a line said
   * quietly from one not said at all. The logger's own level is set to {@code level} while the
   * capture is open and restored by {@link #close()}; the console's handlers still print only what
   * they printed before.
   */
  public static LogCapture of(Class<?> type, Level level) {
    Logger logger = Logger.getLogger(type.getName());
    LogCapture capture = new LogCapture(logger, logger.getLevel());
    logger.setLevel(level);
    logger.addHandler(capture);
    return capture;
  }

  /** For a logger that is not one class's, such as a library's parent logger {@code io.grpc}. */
  public static LogCapture of(String loggerName) {
    Logger logger = Logger.getLogger(loggerName);
    LogCapture capture = new LogCapture(logger, logger.getLevel());
    logger.addHandler(capture);
    return capture;
  }

  public List<LogRecord> records() {
    return List.copyOf(records);
  }

  public List<String> messages() {
    return records.stream().map(LogRecord::getMessage).toList();
  }

  /** The messages logged at WARNING or above. */
  public List<String> warnings() {
    return records.stream()
        .filter(r -> r.getLevel().intValue() >= Level.WARNING.intValue())
        .map(LogRecord::getMessage)
        .toList();
  }

  @Override
  public void publish(LogRecord record) {
    records.add(record);
  }

  @Override
  public void flush() {}

  @Override
  public void close() {
    logger.removeHandler(this);
    logger.setLevel(levelBefore);
  }
}
