package io.sluice.testing.logging;

import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * A log handler that throws on every record, as a full disk or a broken appender does, for tests
 * that check code which must never throw still holds when its own log line fails: {@code try
 * (BrokenLogHandler broken = BrokenLogHandler.on(Type.class)) { ... }}.
 */
public final class BrokenLogHandler extends Handler implements AutoCloseable {

  private final Logger logger;

  private BrokenLogHandler(Logger logger) {
    this.logger = logger;
  }

  /** Installs a broken handler on {@code type}'s logger until closed. */
  public static BrokenLogHandler on(Class<?> type) {
    BrokenLogHandler handler = new BrokenLogHandler(Logger.getLogger(type.getName()));
    handler.logger.addHandler(handler);
    return handler;
  }

  @Override
  public void publish(LogRecord record) {
    throw new IllegalStateException("a broken log handler");
  }

  @Override
  public void flush() {}

  @Override
  public void close() {
    logger.removeHandler(this);
  }
}
