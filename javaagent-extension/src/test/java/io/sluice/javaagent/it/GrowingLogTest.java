package io.sluice.javaagent.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading a log file another process writes, a piece at a time, as it grows. */
class GrowingLogTest {

  @TempDir Path dir;

  @Test
  void givesWholeLinesOnceAndTheLineBeingWrittenUntilItEnds() throws Exception {
    Path file = dir.resolve("app.log");
    Files.writeString(file, "one\ntw");
    GrowingLog log = new GrowingLog(file);

    assertThat(log.readAppended()).isEqualTo(new GrowingLog.Appended("one\n", "tw"));
    assertThat(log.readAppended()).isEqualTo(new GrowingLog.Appended("", "tw"));
    Files.writeString(file, "o\r\nthree\n", StandardOpenOption.APPEND);
    assertThat(log.readAppended()).isEqualTo(new GrowingLog.Appended("two\r\nthree\n", ""));
    assertThat(log.readAppended()).isEqualTo(new GrowingLog.Appended("", ""));
    assertThat(log.all()).isEqualTo("one\ntwo\r\nthree\n");
  }

  @Test
  void leavesACharacterHalfWrittenForTheNextRead() throws Exception {
    Path file = dir.resolve("app.log");
    byte[] cafe = "café €\n".getBytes(StandardCharsets.UTF_8);
    Files.write(file, java.util.Arrays.copyOf(cafe, 4)); // c a f and é's first byte
    GrowingLog log = new GrowingLog(file);

    assertThat(log.readAppended()).isEqualTo(new GrowingLog.Appended("", "caf"));
    Files.write(
        file,
        java.util.Arrays.copyOfRange(cafe, 4, 8),
        StandardOpenOption.APPEND); // é, ' ', €'s 1st
    assertThat(log.readAppended()).isEqualTo(new GrowingLog.Appended("", "café "));
    Files.write(
        file, java.util.Arrays.copyOfRange(cafe, 8, cafe.length), StandardOpenOption.APPEND);
    assertThat(log.readAppended()).isEqualTo(new GrowingLog.Appended("café €\n", ""));
  }

  @Test
  void givesNothingOfALogThatCannotBeRead() {
    GrowingLog log = new GrowingLog(dir.resolve("missing.log"));
    assertThat(log.readAppended()).isEqualTo(new GrowingLog.Appended("", ""));
  }
}
