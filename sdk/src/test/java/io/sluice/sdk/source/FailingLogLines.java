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
  private final int limit;
  private final AtomicInteger failed = new AtomicInteger();

  private FailingLogLines(Logger logger, String prefix, int limit) {
    this.logger = logger;
    this.prefix = prefix;
    this.limit = limit;
  }

  /** Fails every line of {@code type}'s logger that starts with {@code prefix}, until closed. */
  public static FailingLogLines of(Class<?> type, String prefix) {
    return added(type, prefix, Integer.MAX_VALUE);
  }

  /** Fails only the first line of {@code type}'s logger that starts with {@code prefix}. */
  public static FailingLogLines once(Class<?> type, String prefix) {
    return added(type, prefix, 1);
  }

  private static FailingLogLines added(Class<?> type, String prefix, int limit) {
    FailingLogLines lines = new FailingLogLines(Logger.getLogger(type.getName()), prefix, limit);
    lines.logger.addHandler(lines);
    return lines;
  }

  /** How many lines this handler failed. */
  public int failed() {
    return failed.get();
  }

  @Override
  public void publish(LogRecord record) {
    if (record.getMessage().startsWith(prefix)
        && failed.getAndUpdate(n -> n < limit ? n + 1 : n) < limit) {
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
