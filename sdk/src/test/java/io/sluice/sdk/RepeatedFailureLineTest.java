package io.sluice.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RepeatedFailureLineTest {

  private final Logger logger = Logger.getLogger(RepeatedFailureLineTest.class.getName());
  private final Lines lines = new Lines();
  private final RepeatedFailureLine line = new RepeatedFailureLine(logger);

  RepeatedFailureLineTest() {
    logger.setUseParentHandlers(false);
    logger.setLevel(Level.ALL);
    logger.addHandler(lines);
  }

  @AfterEach
  void removeHandler() {
    logger.removeHandler(lines);
    logger.setLevel(null);
    logger.setUseParentHandlers(true);
  }

  @Test
  void warnsOncePerStretchAndAtFineAfter() {
    IllegalStateException first = new IllegalStateException("first");
    IllegalStateException second = new IllegalStateException("second");

    line.failed("the task failed", "the task failed again", first);
    line.failed("the task failed", "the task failed again", second);
    line.failed("the task failed", "the task failed again", null);

    assertThat(lines.records)
        .extracting(LogRecord::getLevel, LogRecord::getMessage, LogRecord::getThrown)
        .containsExactly(
            tuple(Level.WARNING, "the task failed", first),
            tuple(Level.FINE, "the task failed again", second),
            tuple(Level.FINE, "the task failed again", null));
  }

  @Test
  void aFailureAfterTheStretchEndedIsWarnedOfAnew() {
    assertThat(line.ended()).as("a stretch that said nothing").isFalse();

    line.failed("the task failed", "again", null);
    assertThat(line.ended()).as("a stretch whose warning was said").isTrue();
    assertThat(line.ended()).as("ended already").isFalse();
    line.failed("the task failed", "again", null);

    assertThat(lines.records)
        .extracting(LogRecord::getLevel)
        .containsExactly(Level.WARNING, Level.WARNING);
  }

  @Test
  void aWarningTheHandlerFailedToWriteIsTriedAgainAndNotCountedAsSaid() {
    lines.failNext = true;

    line.failed("the task failed", "again", null);
    assertThat(lines.records).isEmpty();
    assertThat(line.ended()).as("nothing was said").isFalse();
    line.failed("the task failed", "again", null);

    assertThat(lines.records).extracting(LogRecord::getLevel).containsExactly(Level.WARNING);
  }

  /** Keeps what is logged; throws at the next line when told to, as a broken appender does. */
  private static final class Lines extends Handler {
    final List<LogRecord> records = new CopyOnWriteArrayList<>();
    volatile boolean failNext;

    @Override
    public void publish(LogRecord record) {
      if (failNext) {
        failNext = false;
        throw new IllegalStateException("disk full");
      }
      records.add(record);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  }
}
