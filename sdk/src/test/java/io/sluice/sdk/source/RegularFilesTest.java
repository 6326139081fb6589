package io.sluice.sdk.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A named pipe put in a rules file's place between the type check and the open must neither block
 * the reader for ever nor hand it a channel whose read blocks. The window is made deterministic by
 * swapping the file in the seam between the two.
 */
class RegularFilesTest {

  /** More than the open's bound, far less than for ever. */
  private static final Duration BOUND = RegularFiles.OPEN_TIMEOUT.plusSeconds(4);

  @TempDir Path dir;

  @Test
  void readsARegularFileUpToOneByteMoreThanTheLimit() throws Exception {
    Path file = Files.writeString(dir.resolve("rules.json"), "0123456789");
    assertThat(RegularFiles.readAtMost(file, 20)).isEqualTo(bytes("0123456789"));
    assertThat(RegularFiles.readAtMost(file, 4)).isEqualTo(bytes("01234"));
    assertThatThrownBy(() -> RegularFiles.readAtMost(dir.resolve("absent"), 4))
        .isInstanceOf(NoSuchFileException.class);
  }

  @Test
  void aPipeSwappedInThatNobodyWritesToEndsTheOpenWithinItsBound() throws Exception {
    Path file = Files.writeString(dir.resolve("rules.json"), "{}");
    Set<Thread> before = Thread.getAllStackTraces().keySet();

    IOException refused =
        assertTimeoutPreemptively(
            BOUND,
            () -> {
              try {
                RegularFiles.readAtMost(file, 100, () -> swapInAPipe(file));
                return null;
              } catch (IOException e) {
                return e;
              }
            },
            "the open of a pipe nobody writes to blocked the reader");

    assertThat(refused).hasMessageContaining("did not open within 1000 ms");
    Thread opener =
        Thread.getAllStackTraces().keySet().stream()
            .filter(t -> !before.contains(t) && t.getName().equals("sluice-open-file"))
            .findFirst()
            .orElseThrow();
    assertThat(opener.isDaemon()).as("never keeps the JVM alive").isTrue();
    // a writer comes: the abandoned open ends and closes what it opened, so the writer is alone
    try (OutputStream writer = Files.newOutputStream(file)) {
      await("the abandoned open ends")
          .atMost(Duration.ofSeconds(10))
          .until(() -> !opener.isAlive());
      assertThatThrownBy(
              () ->
                  assertTimeoutPreemptively(
                      Duration.ofSeconds(10),
                      // more than a pipe holds: with a reader still there it would block
                      () -> writer.write(new byte[1 << 20])))
          .as("the opened end was closed")
          .isInstanceOf(IOException.class)
          .hasMessageContaining("Broken pipe");
    }
  }

  @Test
  void aPipeSwappedInThatOpensAtOnceIsRefusedBeforeItsReadBlocks() throws Exception {
    Path file = Files.writeString(dir.resolve("rules.json"), "{}");
    CountDownLatch release = new CountDownLatch(1);
    Thread writer =
        new Thread(
            () -> {
              // holds the pipe open for writing without writing: a read would wait for it
              try (OutputStream out = Files.newOutputStream(file)) {
                release.await(30, TimeUnit.SECONDS);
              } catch (IOException | InterruptedException ignored) {
                // the test ends
              }
            },
            "pipe-writer");
    writer.setDaemon(true);
    try {
      IOException refused =
          assertTimeoutPreemptively(
              BOUND,
              () -> {
                try {
                  RegularFiles.readAtMost(
                      file,
                      100,
                      () -> {
                        swapInAPipe(file);
                        writer.start();
                      });
                  return null;
                } catch (IOException e) {
                  return e;
                }
              },
              "the read of a pipe held open blocked the reader");
      assertThat(refused).hasMessageContaining("not a regular file");
    } finally {
      release.countDown();
    }
  }

  @Test
  void aPipeThatIsThereIsRefusedWithoutOpeningIt() throws Exception {
    Path fifo = dir.resolve("rules.json");
    mkfifo(fifo);
    Set<Thread> before = Thread.getAllStackTraces().keySet();
    assertThatThrownBy(() -> RegularFiles.readAtMost(fifo, 100))
        .hasMessageContaining("not a regular file");
    assertThat(Thread.getAllStackTraces().keySet())
        .as("no open was tried")
        .noneMatch(t -> !before.contains(t) && t.getName().equals("sluice-open-file"));
  }

  private static void swapInAPipe(Path file) throws IOException {
    Files.delete(file);
    mkfifo(file);
  }

  private static void mkfifo(Path path) throws IOException {
    Process mkfifo = new ProcessBuilder("mkfifo", path.toString()).inheritIO().start();
    try {
      assertThat(mkfifo.waitFor()).isZero();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
