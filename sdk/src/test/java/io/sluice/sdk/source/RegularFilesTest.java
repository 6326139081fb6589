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
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A named pipe put in a rules file's place between the type check and the open must neither block
 * the reader for ever nor hand it a channel whose read blocks. The window is made deterministic by
 * swapping the file in the seam between the two.
 */
class RegularFilesTest {

  /** More than the open's bound, far less than for ever. */
  private static final Duration BOUND = RegularFiles.TIMEOUT.plusSeconds(4);

  @TempDir Path dir;

  private final AtomicInteger pipes = new AtomicInteger();

  @Test
  void readsARegularFileUpToOneByteMoreThanTheLimit() throws Exception {
    Path file = Files.writeString(dir.resolve("rules.json"), "0123456789");
    assertThat(RegularFiles.readAtMost(file, 20)).isEqualTo(bytes("0123456789"));
    assertThat(RegularFiles.readAtMost(file, 4)).isEqualTo(bytes("01234"));
    assertThatThrownBy(() -> RegularFiles.readAtMost(dir.resolve("absent"), 4))
        .isInstanceOf(NoSuchFileException.class);
  }

  /**
   * A large file on a slow but working mount: each chunk takes well under the timeout, the whole
   * read well over it. It is read to its end. With the timeout on the whole read, it was refused.
   */
  @Test
  void aSlowReadWhoseBytesKeepComingIsReadToItsEnd() throws Exception {
    byte[] content = new byte[4 * 64 * 1024 + 1];
    Arrays.fill(content, (byte) 'x');
    Path file = Files.write(dir.resolve("snapshot.json"), content);
    Runnable slowMount =
        () -> {
          try {
            Thread.sleep(RegularFiles.TIMEOUT.toMillis() / 2); // the mount's pace, not a wait
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        };

    assertThat(RegularFiles.readAtMost(file, content.length, () -> {}, slowMount))
        .isEqualTo(content);
  }

  /** A read whose bytes stop coming (the mount hung half way) is given up on after the timeout. */
  @Test
  void aReadWhoseBytesStopComingIsGivenUpOn() throws Exception {
    Path file = Files.write(dir.resolve("snapshot.json"), new byte[3 * 64 * 1024]);
    CountDownLatch mountAnswers = new CountDownLatch(1);
    Runnable hungAfterTheFirstChunk =
        () -> {
          try {
            mountAnswers.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        };
    try {
      IOException givenUp =
          assertTimeoutPreemptively(
              BOUND,
              () -> {
                try {
                  RegularFiles.readAtMost(file, 1 << 20, () -> {}, hungAfterTheFirstChunk);
                  return null;
                } catch (IOException e) {
                  return e;
                }
              },
              "a read that stopped bringing bytes blocked the caller");
      assertThat(givenUp).hasMessageContaining("gave no more bytes for 1000 ms while read");
    } finally {
      mountAnswers.countDown();
    }
  }

  @Test
  void aPipeSwappedInThatNobodyWritesToEndsTheOpenWithinItsBound() throws Exception {
    Path file = Files.writeString(dir.resolve("rules.json"), "{}");
    ThreadsStarted started = new ThreadsStarted();

    IOException refused =
        assertTimeoutPreemptively(
            BOUND,
            () -> {
              try {
                RegularFiles.readAtMost(file, 100, pipeSwappedIn(file));
                return null;
              } catch (IOException e) {
                return e;
              }
            },
            "the open of a pipe nobody writes to blocked the reader");

    assertThat(refused).hasMessageContaining("did not open within 1000 ms");
    Thread opener = started.onlyReader();
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
  void aFileWhoseAbandonedOpenIsStillBlockedIsRefusedWithoutLeavingAnotherThreadBehind()
      throws Exception {
    Path file = Files.writeString(dir.resolve("rules.json"), "{}");
    Path sameFile = Files.createLink(dir.resolve("same.json"), file);
    ThreadsStarted started = new ThreadsStarted();
    assertThatThrownBy(() -> RegularFiles.readAtMost(file, 100, pipeSwappedIn(file)))
        .hasMessageContaining("did not open within 1000 ms");
    Thread opener = started.onlyReader();
    // the open stays blocked on the pipe, and the path shows the same file again: as a hung
    // network file system does, whose attributes still answer while its opens hang
    Path pipe = Files.move(file, dir.resolve("blocked-pipe"));
    Files.createLink(file, sameFile);

    // every poll would otherwise leave one more thread blocked (here: on another pipe)
    for (int poll = 0; poll < 3; poll++) {
      assertThatThrownBy(() -> RegularFiles.readAtMost(file, 100, pipeSwappedIn(file)))
          .hasMessageContaining("an earlier read of this file")
          .hasMessageContaining("is still blocked");
    }
    assertThat(started.onlyReader()).isSameAs(opener);
    assertThat(opener.isAlive()).isTrue();

    // another file at the path is read as usual, the abandoned open still blocked
    Files.delete(file);
    Files.writeString(file, "{\"new\":true}");
    assertThat(RegularFiles.readAtMost(file, 100)).isEqualTo(bytes("{\"new\":true}"));
    assertThat(opener.isAlive()).isTrue();

    // once the abandoned open ends, the same file opens again
    try (OutputStream writer = Files.newOutputStream(pipe)) {
      await("the abandoned open ends")
          .atMost(Duration.ofSeconds(10))
          .until(() -> !opener.isAlive());
    }
    Files.delete(file);
    Files.createLink(file, sameFile);
    assertThat(RegularFiles.readAtMost(file, 100)).isEqualTo(bytes("{}"));
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
    RegularFiles.BetweenCheckAndOpen swap = pipeSwappedIn(file);
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
                        swap.run();
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
    ThreadsStarted started = new ThreadsStarted();
    assertThatThrownBy(() -> RegularFiles.readAtMost(fifo, 100))
        .hasMessageContaining("not a regular file");
    // an open of a pipe nobody writes to would have left its thread blocked
    started.awaitEnded("no open was tried: the read thread ends", "sluice-read-file"::equals);
  }

  /**
   * What puts a pipe in the file's place: the pipe is made beforehand and renamed over the file, so
   * that the swap is one quick system call on the reading thread, well within its bound.
   */
  private RegularFiles.BetweenCheckAndOpen pipeSwappedIn(Path file) throws IOException {
    Path pipe = dir.resolve("pipe-" + pipes.incrementAndGet());
    mkfifo(pipe);
    return () -> Files.move(pipe, file, StandardCopyOption.REPLACE_EXISTING);
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
