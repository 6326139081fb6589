package io.sluice.sdk.source;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * A log handler of the app's that throws at every line of one logger starting with a prefix (a full
 * disk, a broken appender), added on creation and removed by {@link #close()}. Counts the lines it
 * failed. Public for the tests of other packages (the status reporter's).
 */
public final class FailingLogLines extends Handler implements AutoCloseable {
  private final Logger logger;
  private final String prefix;
  private final AtomicInteger failed = new AtomicInteger();

  private FailingLogLines(Logger logger, String prefix) {
    this.logger = logger;
    this.prefix = prefix;
  }

  /** Fails every line of {@code type}'s logger that starts with {@code prefix}, until closed. */
  public static FailingLogLines of(Class<?> type, String prefix) {
    FailingLogLines lines = new FailingLogLines(Logger.getLogger(type.getName()), prefix);
    lines.logger.addHandler(lines);
    return lines;
  }

  /** How many lines this handler failed. */
  public int failed() {
    return failed.get();
  }

  @Override
  public void publish(LogRecord record) {
    if (record.getMessage().startsWith(prefix)) {
      failed.incrementAndGet();
      throw new IllegalStateException("a handler fails on '" + prefix + "', as a test asks");
    }
  }

  @Override
  public void flush() {}

  @Override
  public void close() {
    logger.removeHandler(this);
  }
}
