package io.sluice.sdk.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testing.logging.LogCapture;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link SnapshotWriter}'s thread, when it cannot be started. */
class SnapshotWriterTest {

  @TempDir Path directory;

  /**
   * A thread that could not be started (the JVM out of native threads) left the directory's writer
   * marked as running for good: every later write waited for a thread that never ran, the whole
   * bound each, and was reported as a hung file system. The writes waiting are now answered false
   * at once, one warning says why, and the next write starts a thread again.
   */
  @Test
  void aWriterWhoseThreadCouldNotStartStartsAgainWithTheNextWrite() throws Exception {
    AtomicInteger refused = new AtomicInteger();
    ThreadFactory outOfThreads =
        task -> {
          refused.incrementAndGet();
          throw new OutOfMemoryError("unable to create native thread: possibly out of memory");
        };
    Path file = directory.resolve("orders.json");
    try (LogCapture log = LogCapture.of(SnapshotWriter.class)) {
      SnapshotWriter.PendingWrite first = write();
      SnapshotWriter.queue(directory, file, first, () -> true, outOfThreads);
      SnapshotWriter.PendingWrite second = write();
      SnapshotWriter.queue(directory, file, second, () -> true, outOfThreads);

      assertThat(first.done().getNow(null)).isFalse();
      assertThat(second.done().getNow(null)).isFalse();
      assertThat(refused).as("thread starts tried").hasValue(2);
      assertThat(SnapshotWriter.running(directory)).isFalse();
      assertThat(log.records())
          .filteredOn(r -> r.getLevel().intValue() >= Level.WARNING.intValue())
          .extracting(LogRecord::getMessage)
          .singleElement()
          .asString()
          .contains("could not start the thread", directory.toString(), "unable to create native");

      SnapshotWriter.PendingWrite third = write();
      SnapshotWriter.queue(directory, file, third, () -> true);
      assertThat(third.done().get(10, TimeUnit.SECONDS)).isTrue();
      assertThat(log.messages()).last().asString().contains("starts again");
    }
  }

  private static SnapshotWriter.PendingWrite write() {
    return new SnapshotWriter.PendingWrite(() -> true, new CompletableFuture<>());
  }
}
