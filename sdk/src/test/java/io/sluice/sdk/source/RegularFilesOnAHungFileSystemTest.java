package io.sluice.sdk.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sluice.sdk.ActiveRules;
import io.sluice.sdk.ActiveRulesHolder;
import io.sluice.testing.logging.LogCapture;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rules file on a hard-mounted network file system whose server stopped answering: once the
 * attribute cache expired, even the check that the path is a regular file blocks in the kernel, for
 * ever. Such a mount is made for real with a FUSE file system that never answers (see {@code
 * hung-file-system.py}); it needs root, {@code /dev/fuse} and {@code python3}, and the test is
 * skipped where they are missing.
 */
class RegularFilesOnAHungFileSystemTest {

  /** More than the read's bound, far less than for ever. */
  private static final Duration BOUND = RegularFiles.TIMEOUT.plusSeconds(4);

  @TempDir Path dir;

  private Path mountPoint;
  private Process server;
  private Thread unmountAtExit;

  @BeforeEach
  void mountAFileSystemThatNeverAnswers() throws Exception {
    assumeTrue(
        System.getProperty("os.name").startsWith("Linux") && Files.isWritable(Path.of("/dev/fuse")),
        "needs Linux with /dev/fuse");
    Path script = dir.resolve("hung-file-system.py");
    try (InputStream in = getClass().getResourceAsStream("hung-file-system.py")) {
      Files.copy(in, script);
    }
    mountPoint = Files.createDirectory(dir.resolve("mnt"));
    try {
      server =
          new ProcessBuilder("python3", script.toString(), mountPoint.toString())
              .redirectErrorStream(true)
              .start();
    } catch (IOException e) {
      assumeTrue(false, "needs python3: " + e);
    }
    // a test JVM ended early must not leave the mount behind
    unmountAtExit = new Thread(this::unmount, "unmount-hung-file-system");
    Runtime.getRuntime().addShutdownHook(unmountAtExit);
    String said =
        new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))
            .readLine();
    assumeTrue("mounted".equals(said), "could not mount a FUSE file system: " + said);
  }

  @AfterEach
  void stopTheFileSystem() {
    if (server != null) {
      Runtime.getRuntime().removeShutdownHook(unmountAtExit);
      unmount();
    }
  }

  /** Ends the server, which aborts the connection (what is blocked fails with ENOTCONN). */
  private void unmount() {
    try {
      server.destroy();
      server.waitFor(10, TimeUnit.SECONDS);
      new ProcessBuilder("umount", "-l", mountPoint.toString())
          .start()
          .waitFor(10, TimeUnit.SECONDS);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void aReadWhoseAttributeReadHangsReturnsWithinItsBoundAndLeavesOneThreadBehind()
      throws Exception {
    Path file = mountPoint.resolve("rules.json");
    ThreadsStarted started = new ThreadsStarted();

    IOException givenUp = readWithin(BOUND, file);

    assertThat(givenUp).hasMessageContaining("its attributes did not answer within 1000 ms");
    Thread reader = started.onlyReader();
    assertThat(reader.isDaemon()).as("never keeps the JVM alive").isTrue();

    // every poll would otherwise leave one more thread blocked on the same attribute read
    for (int poll = 0; poll < 3; poll++) {
      assertThat(readWithin(Duration.ofMillis(500), file))
          .as("refused at once")
          .hasMessageContaining("an earlier read of this path")
          .hasMessageContaining("is still blocked reading its attributes");
    }
    assertThat(started.onlyReader()).isSameAs(reader);

    // the server goes away for good: the blocked attribute read fails, its thread ends, and the
    // path is tried again (and fails for what it is now)
    server.destroy();
    await("the abandoned read ends").atMost(Duration.ofSeconds(10)).until(() -> !reader.isAlive());
    assertThatThrownBy(() -> RegularFiles.readAtMost(file, 100))
        .isInstanceOf(IOException.class)
        .hasMessageNotContaining("an earlier read");
  }

  /**
   * A rules file on the hung file system: {@code FileRuleSource.start()} registered the watch on
   * its directory on the caller's thread, which stats the directory and blocked there for ever,
   * before the bounded read.
   */
  @Test
  void aFileSourcesStartReturnsWithinItsBound() {
    ThreadsStarted started = new ThreadsStarted();
    ActiveRulesHolder holder = new ActiveRulesHolder(ActiveRules.defaults("orders"));
    try (FileRuleSource source =
        FileRuleSource.builder(mountPoint.resolve("rules.json"), holder)
            .service("orders")
            .build()) {
      assertTimeoutPreemptively(BOUND, source::start, "the file source's start blocked the caller");
      assertThat(holder.current().source()).isEqualTo(ActiveRules.Source.DEFAULTS);
    }

    server.destroy(); // what it left blocked fails (ENOTCONN), and ends
    started.awaitEnded("the abandoned calls end", name -> name.startsWith("sluice-"));
  }

  /**
   * A last-known-good store whose state directory is on the hung file system (a home directory on
   * NFS): its load at start looked for stale temporary files and checked the directory on the
   * caller's thread, and blocked there for ever, before the bounded read of the snapshot.
   */
  @Test
  void theStoresLoadReturnsWithinItsBound() {
    LastKnownGoodStore store = LastKnownGoodStore.create(mountPoint.resolve("state"));
    ThreadsStarted started = new ThreadsStarted();

    try (LogCapture log = LogCapture.of(LastKnownGoodStore.class)) {
      assertThat(
              assertTimeoutPreemptively(
                  BOUND, () -> store.load("orders"), "the store's load blocked the caller"))
          .isEmpty();
      assertThat(log.messages())
          .singleElement()
          .asString()
          .contains("the state directory " + mountPoint.resolve("state"))
          .contains("did not answer within 3000 ms: a hung file system");
    }

    server.destroy(); // what it left blocked fails (ENOTCONN), and ends
    started.awaitEnded(
        "the abandoned load ends",
        name -> name.equals("sluice-load-snapshot") || name.equals("sluice-read-file"));
  }

  /**
   * A last-known-good store whose state directory is on the hung file system: a save or a delete,
   * which the etcd rule source makes on its own thread with every change, blocked that thread for
   * ever, and no rule was applied after it.
   */
  @Test
  void theStoresSaveAndDeleteReturnWithinTheirBound() {
    LastKnownGoodStore store = LastKnownGoodStore.create(mountPoint.resolve("state"));
    ActiveRules rules = ActiveRules.defaults("orders");
    byte[] document = "{}".getBytes(StandardCharsets.UTF_8);
    ThreadsStarted started = new ThreadsStarted();

    try (LogCapture log = LogCapture.of(LastKnownGoodStore.class)) {
      assertThat(
              assertTimeoutPreemptively(
                  BOUND,
                  () -> store.save("orders", rules, document),
                  "the store's save blocked the caller"))
          .isFalse();
      // while the directory still hangs, the next changes do not wait the bound again
      for (int change = 0; change < 3; change++) {
        assertThat(
                assertTimeoutPreemptively(
                    Duration.ofMillis(500),
                    () -> store.save("orders", rules, document),
                    "a later save waited for the hung directory"))
            .isFalse();
        assertTimeoutPreemptively(
            Duration.ofMillis(500),
            () -> store.delete("orders"),
            "a later delete waited for the hung directory");
      }
      assertThat(started.alive("sluice-save-snapshot"::equals))
          .as("threads blocked writing snapshots")
          .hasSize(1);
      assertThat(log.records().stream().filter(r -> r.getLevel() == Level.WARNING))
          .singleElement()
          .extracting(LogRecord::getMessage)
          .asString()
          .contains("could not save last-known-good rules " + store.file("orders"))
          .contains("did not answer within 3000 ms: a hung file system");
    }

    server.destroy(); // what it left blocked fails (ENOTCONN), and ends
    started.awaitEnded("the abandoned save ends", "sluice-save-snapshot"::equals);
  }

  /**
   * A test JVM that dies (kill -9, a fork killed on a timeout) runs no shutdown hook: the file
   * system's server sees its standard input end, as here, and unmounts and exits by itself. It
   * stayed, and the hung mount with it, under the temp directory, hanging whatever walks it.
   */
  @Test
  void theFileSystemGoesAwayWithTheJvmThatMountedIt() throws Exception {
    assertThat(mounted()).as("mounted").isTrue();

    server.getOutputStream().close(); // what the JVM's death does to the pipe

    assertThat(server.waitFor(10, TimeUnit.SECONDS)).as("the server ended").isTrue();
    assertThat(mounted()).as("still mounted").isFalse();
  }

  /** Whether {@link #mountPoint} is a mount point now. */
  private boolean mounted() throws IOException {
    return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
        .map(line -> line.split(" ")[4])
        .anyMatch(mountPoint.toString()::equals);
  }

  /** What {@link RegularFiles#readAtMost} threw, failing when it did not return within bound. */
  private static IOException readWithin(Duration bound, Path file) {
    return assertTimeoutPreemptively(
        bound,
        () -> {
          try {
            RegularFiles.readAtMost(file, 100);
            return null;
          } catch (IOException e) {
            return e;
          }
        },
        "the read of a file on a hung file system blocked the caller");
  }
}
