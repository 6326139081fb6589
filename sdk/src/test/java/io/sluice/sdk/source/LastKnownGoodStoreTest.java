package io.sluice.sdk.source;

import static io.sluice.sdk.source.TestDocuments.document;
import static io.sluice.sdk.source.TestDocuments.invalidDocument;
import static io.sluice.sdk.source.TestDocuments.terseBreakers;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.rules.CompiledRules;
import io.sluice.rules.RuleCodec;
import io.sluice.rules.RuleDocument;
import io.sluice.sdk.ActiveRules;
import io.sluice.testing.logging.BrokenLogHandler;
import io.sluice.testing.logging.LogCapture;
import java.io.IOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LastKnownGoodStoreTest {

  @TempDir Path dir;

  private final Clock clock = Clock.fixed(Instant.parse("2026-11-24T02:00:00Z"), ZoneOffset.UTC);

  @Test
  void createsNothingUntilTheFirstSave() {
    Path stateDir = dir.resolve("state");
    LastKnownGoodStore store = LastKnownGoodStore.create(stateDir, clock);

    assertThat(store.load("orders")).isEmpty();
    assertThat(stateDir).doesNotExist();
  }

  @Test
  void savesAndLoadsTheDocumentWithItsRevision() {
    LastKnownGoodStore store = LastKnownGoodStore.create(dir.resolve("state"), clock);
    ActiveRules applied = rules("orders", 0.3, 42, ActiveRules.Source.ETCD);

    assertThat(store.save("orders", applied)).isTrue();
    ActiveRules loaded = store.load("orders").orElseThrow();

    assertThat(loaded.source()).isEqualTo(ActiveRules.Source.LAST_KNOWN_GOOD);
    assertThat(loaded.revision()).isEqualTo(42);
    assertThat(loaded.document()).isEqualTo(applied.document());
    assertThat(store.file("orders")).hasFileName("rules-orders.json");
  }

  /**
   * A save forces the directory once its snapshot was renamed into place, so the rename survives a
   * crash (POSIX keeps a renamed entry only once its directory reached the disk). Before, only the
   * snapshot's bytes were forced.
   */
  /**
   * A service named {@code _default} (a valid name) loads its snapshot; it failed with {@code
   * IllegalArgumentException: duplicate element: _default}, thrown into the caller.
   */
  @Test
  void loadsTheSnapshotOfAServiceNamedDefault() {
    LastKnownGoodStore store = LastKnownGoodStore.create(dir.resolve("state"), clock);
    ActiveRules applied = rules("_default", 0.3, 42, ActiveRules.Source.ETCD);
    assertThat(store.save("_default", applied)).isTrue();

    assertThat(store.load("_default"))
        .hasValueSatisfying(
            loaded -> {
              assertThat(loaded.revision()).isEqualTo(42);
              assertThat(loaded.document()).isEqualTo(applied.document());
            });
  }

  @Test
  void aSaveSyncsTheDirectoryAfterTheSnapshotIsInPlace() {
    Path stateDir = dir.resolve("state");
    LastKnownGoodStore store = LastKnownGoodStore.create(stateDir, clock);
    List<String> synced = new java.util.ArrayList<>();
    store.directorySync(
        new DirectorySync(
            d -> {
              synced.add(
                  d.getFileName()
                      + (Files.exists(store.file("orders"))
                          ? " with the snapshot"
                          : " without it"));
              return FileChannel.open(d, StandardOpenOption.READ);
            }));

    assertThat(store.save("orders", rules("orders", 0.3, 42, ActiveRules.Source.ETCD))).isTrue();

    assertThat(synced).containsExactly("state with the snapshot");
    assertThat(store.load("orders").orElseThrow().revision()).isEqualTo(42);
  }

  /**
   * A directory the file system cannot sync (some refuse to open one) fails no save: it is said
   * once, at FINE, and not again.
   */
  @Test
  void aDirectoryThatCannotBeSyncedFailsNoSaveAndIsSaidOnceAtFine() {
    LastKnownGoodStore store = LastKnownGoodStore.create(dir.resolve("state"), clock);
    store.directorySync(
        new DirectorySync(
            d -> {
              throw new java.io.IOException("Is a directory");
            }));

    java.util.logging.Logger logger =
        java.util.logging.Logger.getLogger(LastKnownGoodStore.class.getName());
    Level level = logger.getLevel();
    logger.setLevel(Level.FINE);
    try (LogCapture log = LogCapture.of(LastKnownGoodStore.class)) {
      assertThat(store.save("orders", rules("orders", 0.3, 1, ActiveRules.Source.ETCD))).isTrue();
      assertThat(store.save("orders", rules("orders", 0.4, 2, ActiveRules.Source.ETCD))).isTrue();

      assertThat(log.records())
          .singleElement()
          .satisfies(
              r -> {
                assertThat(r.getLevel()).isEqualTo(Level.FINE);
                assertThat(r.getMessage())
                    .startsWith("cannot sync the directory " + dir.resolve("state"))
                    .contains("Is a directory");
              });
    } finally {
      logger.setLevel(level);
    }
    assertThat(store.load("orders").orElseThrow().revision()).isEqualTo(2);
  }

  /**
   * A save on a file system that stopped answering is given up on after {@link
   * LastKnownGoodStore#WRITE_TIMEOUT}, warned of once; the saves after it return at once, neither
   * waiting the bound out again nor blocking until the directory answers; once it answers, the
   * latest rules are what the file holds, and that saving works again is said.
   */
  @Test
  void aSaveThatHangsIsGivenUpOnAndTheLatestRulesAreWrittenOnceItEnds() throws Exception {
    // the store's first file-system work (on the writing thread) hangs as a call into a file
    // system that stopped answering does, until released
    CountDownLatch answers = new CountDownLatch(1);
    LastKnownGoodStore store = hangsOnce(dir.resolve("state"), answers);
    // each caller that waited the whole bound for the hung thread, and gave up on it
    AtomicInteger waitedOut = new AtomicInteger();
    store.onWaitGivenUp(waitedOut::incrementAndGet);

    try (LogCapture log = LogCapture.of(LastKnownGoodStore.class)) {
      try {
        assertThat(
                assertTimeoutPreemptively(
                    LastKnownGoodStore.WRITE_TIMEOUT.plusSeconds(5),
                    () -> store.save("orders", rules("orders", 0.1, 1, ActiveRules.Source.ETCD)),
                    "the save blocked its caller"))
            .isFalse();
        assertThat(waitedOut).as("the first save waited for the hung thread").hasValue(1);
        // the saves after the one given up on do not wait for the hung thread: none waits the
        // bound out (which the hook counts), nor blocks until the directory answers
        assertTimeoutPreemptively(
            LastKnownGoodStore.WRITE_TIMEOUT.plusSeconds(5),
            () -> {
              assertThat(store.save("orders", rules("orders", 0.2, 2, ActiveRules.Source.ETCD)))
                  .isFalse();
              assertThat(store.save("orders", rules("orders", 0.3, 3, ActiveRules.Source.ETCD)))
                  .isFalse();
            },
            "a later save blocked its caller until the directory answered");
        assertThat(waitedOut)
            .as("the saves after the one given up on waited for the hung thread")
            .hasValue(1);
      } catch (AssertionError blocked) {
        answers.countDown(); // let the caller's thread go
        throw blocked;
      }

      answers.countDown();
      await("the latest rules are saved")
          .atMost(Duration.ofSeconds(10))
          .until(() -> store.load("orders").map(ActiveRules::revision).orElse(-1L) == 3);
      assertThat(log.records())
          .extracting(LogRecord::getLevel, r -> r.getMessage().contains("did not answer within"))
          .startsWith(tuple(Level.WARNING, true))
          .contains(tuple(Level.INFO, false));
      assertThat(log.messages())
          .filteredOn(m -> m.contains("did not answer within"))
          .singleElement()
          .asString()
          .contains("could not save last-known-good rules " + store.file("orders"))
          .contains("the state directory " + dir.resolve("state"));
      assertThat(log.messages())
          .anySatisfy(m -> assertThat(m).endsWith(store.file("orders") + " works again"));
    }
  }

  /**
   * Of two stores on one directory (an SDK user who closed its rules and built them again), the
   * newer store's save, asked for last, is what the file ends with, even when the old store's save
   * was held up by the file system. Before, each store wrote on a thread of its own: the new
   * store's save landed at once and the old one's, once the directory answered, over it.
   */
  @Test
  void theWriteAskedForLastWinsAcrossStoresOnOneDirectory() throws Exception {
    CountDownLatch answers = new CountDownLatch(1);
    Path stateDir = dir.resolve("state");
    LastKnownGoodStore old = hangsOnce(stateDir, answers);
    LastKnownGoodStore current = LastKnownGoodStore.create(stateDir, clock);

    try (LogCapture log = LogCapture.of(LastKnownGoodStore.class)) {
      CompletableFuture<Boolean> held =
          CompletableFuture.supplyAsync(
              () -> old.save("orders", rules("orders", 0.1, 1, ActiveRules.Source.ETCD)));
      await().atMost(Duration.ofSeconds(10)).until(old::writerRunning);
      try {
        assertTimeoutPreemptively(
            LastKnownGoodStore.WRITE_TIMEOUT.plusSeconds(5),
            () -> current.save("orders", rules("orders", 0.2, 2, ActiveRules.Source.ETCD)),
            "the save blocked its caller");
      } finally {
        answers.countDown();
      }
      held.get(10, TimeUnit.SECONDS);
      await("every write is done")
          .atMost(Duration.ofSeconds(10))
          .until(() -> !old.writerRunning() && !current.writerRunning());

      assertThat(current.load("orders"))
          .as("the newest rules are on disk")
          .get()
          .extracting(ActiveRules::revision)
          .isEqualTo(2L);
    }
  }

  /**
   * Two stores naming one directory in two spellings ({@code state} and {@code sub/../state}) share
   * its writing thread, and the file ends with the write asked for last: while the directory hangs,
   * the first store's later save replaces its own waiting one and the second store's too. Before,
   * the directory was told apart by its normalized path and its files by the path as spelled: the
   * first store's newest save stayed queued ahead of the second store's older one, which the file
   * ended with.
   */
  @Test
  void theWriteAskedForLastWinsWhateverTheSpellingOfTheDirectory() throws Exception {
    CountDownLatch answers = new CountDownLatch(1);
    Path stateDir = dir.resolve("state");
    Files.createDirectories(dir.resolve("sub"));
    LastKnownGoodStore holdsTheThread = hangsOnce(stateDir, answers);
    LastKnownGoodStore plain = LastKnownGoodStore.create(stateDir, clock);
    LastKnownGoodStore spelledOtherwise =
        LastKnownGoodStore.create(dir.resolve("sub").resolve("..").resolve("state"), clock);

    try (LogCapture log = LogCapture.of(LastKnownGoodStore.class)) {
      try {
        // another service's save hangs, and is given up on: the saves after it return at once
        assertTimeoutPreemptively(
            LastKnownGoodStore.WRITE_TIMEOUT.plusSeconds(5),
            () ->
                holdsTheThread.save("payments", rules("payments", 0.1, 1, ActiveRules.Source.ETCD)),
            "the save blocked its caller");
        plain.save("orders", rules("orders", 0.1, 1, ActiveRules.Source.ETCD));
        spelledOtherwise.save("orders", rules("orders", 0.2, 2, ActiveRules.Source.ETCD));
        plain.save("orders", rules("orders", 0.3, 3, ActiveRules.Source.ETCD));
      } finally {
        answers.countDown();
      }
      await("every write is done")
          .atMost(Duration.ofSeconds(10))
          .until(() -> !plain.writerRunning() && !spelledOtherwise.writerRunning());

      assertThat(plain.load("orders"))
          .as("the rules asked for last are on disk")
          .get()
          .extracting(ActiveRules::revision)
          .isEqualTo(3L);
    }
  }

  /**
   * A write that ends just as its caller gives up waiting leaves no hang behind: the next save
   * waits for its write as usual. Before, the caller marked the directory hung after the writing
   * thread had ended the write, and every later save returned false at once, logged at FINE only,
   * until one of them happened to end it.
   */
  @Test
  void aWriteThatEndsAsItsCallerGivesUpLeavesNoHangBehind() {
    CountDownLatch answers = new CountDownLatch(1);
    LastKnownGoodStore store = hangsOnce(dir.resolve("state"), answers);
    // the directory answers, and the write ends, between the caller's timeout and its next step
    store.onWaitGivenUp(
        () -> {
          answers.countDown();
          await("the writing thread ends")
              .atMost(Duration.ofSeconds(10))
              .until(() -> !store.writerRunning());
        });

    try (LogCapture log = LogCapture.of(LastKnownGoodStore.class)) {
      boolean first = store.save("orders", rules("orders", 0.1, 1, ActiveRules.Source.ETCD));
      assertThat(store.save("orders", rules("orders", 0.2, 2, ActiveRules.Source.ETCD)))
          .as("the next save waits for its write and says it was written")
          .isTrue();

      assertThat(store.load("orders")).get().extracting(ActiveRules::revision).isEqualTo(2L);
      assertThat(first).as("the first save was written, as its caller gave up").isTrue();
      assertThat(log.records()).extracting(LogRecord::getLevel).doesNotContain(Level.WARNING);
    }
  }

  /**
   * A snapshot whose text takes longer to make than a save waits for the file system (a document
   * near the limit on a starved machine) is saved, and nothing calls the file system hung. Before,
   * the text was made on the writing thread, inside the wait: the save was given up on with a
   * WARNING of "a hung file system" that never was.
   */
  @Test
  void aSnapshotWhoseTextTakesLongerThanTheWaitIsSavedAndNotCalledHung() {
    LastKnownGoodStore store = LastKnownGoodStore.create(dir.resolve("state"), clock);
    CountDownLatch givenUp = new CountDownLatch(1);
    store.onWaitGivenUp(givenUp::countDown);
    // making the text outlasts the wait: it ends once a waiting caller has given up, and at the
    // latest a second after the wait would have ended
    store.onSnapshotText(
        () -> {
          try {
            givenUp.await(
                LastKnownGoodStore.WRITE_TIMEOUT.plusSeconds(1).toMillis(), TimeUnit.MILLISECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });

    try (LogCapture log = LogCapture.of(LastKnownGoodStore.class)) {
      assertThat(store.save("orders", rules("orders", 0.3, 7, ActiveRules.Source.ETCD)))
          .as("the save was written and waited for")
          .isTrue();

      assertThat(log.messages()).noneSatisfy(m -> assertThat(m).contains("did not answer"));
      assertThat(log.records()).extracting(LogRecord::getLevel).doesNotContain(Level.WARNING);
    }
    assertThat(givenUp.getCount()).as("no caller gave up waiting").isOne();
    assertThat(store.load("orders")).get().extracting(ActiveRules::revision).isEqualTo(7L);
  }

  /**
   * A delete given up on while the directory hung is warned of as a save is, and its end is said
   * too once the directory answers. Before, only a save said "works again": a service whose
   * documents were deleted in etcd during the hang kept the WARNING as the last word.
   */
  @Test
  void aDeleteGivenUpOnSaysWhenTheDirectoryAnswersAgain() throws Exception {
    CountDownLatch answers = new CountDownLatch(1);
    Path stateDir = Files.createDirectories(dir.resolve("state"));
    LastKnownGoodStore store = hangsOnce(stateDir, answers);
    Files.writeString(store.file("orders"), "{}");

    try (LogCapture log = LogCapture.of(LastKnownGoodStore.class)) {
      // another service's save holds the writing thread on the hung directory...
      CompletableFuture<Boolean> held =
          CompletableFuture.supplyAsync(
              () -> store.save("payments", rules("payments", 0.1, 1, ActiveRules.Source.ETCD)));
      await().atMost(Duration.ofSeconds(10)).until(store::writerRunning);
      try {
        // ...and the delete queued behind it is given up on
        assertTimeoutPreemptively(
            LastKnownGoodStore.WRITE_TIMEOUT.plusSeconds(5),
            () -> store.delete("orders"),
            "the delete blocked its caller");
      } finally {
        answers.countDown();
      }
      assertThat(log.messages())
          .anySatisfy(
              m ->
                  assertThat(m)
                      .startsWith("could not delete last-known-good rules " + store.file("orders"))
                      .contains("did not answer within"));

      await("the delete is done")
          .atMost(Duration.ofSeconds(10))
          .until(() -> !Files.exists(store.file("orders")) && !store.writerRunning());
      assertThat(held.get(10, TimeUnit.SECONDS)).isFalse();
      assertThat(log.records())
          .filteredOn(r -> r.getMessage().contains(store.file("orders").toString()))
          .extracting(LogRecord::getLevel, LogRecord::getMessage)
          .last()
          .isEqualTo(
              tuple(
                  Level.INFO,
                  "deleting last-known-good rules " + store.file("orders") + " works again"));
    }
  }

  /**
   * A delete does not end a streak of failing saves it was not part of: the saves of a snapshot
   * that cannot be written (here, a document text that is no JSON; a full disk alike) go on failing
   * after the service's documents were deleted, and the one WARNING stays the word until a save
   * works. Before, the delete said "deleting … works again", and the next failing save warned anew:
   * a WARNING and an INFO with every delete. (A snapshot too large to load back fails alike, but
   * writing out one takes seconds of a starved machine's time.)
   */
  @Test
  void aDeleteSaysNothingOfSavesThatKeepFailing() {
    ActiveRules applied = rules("orders", 0.1, 1, ActiveRules.Source.ETCD);
    byte[] noJson = "{\"version\": 1,".getBytes(StandardCharsets.UTF_8);
    LastKnownGoodStore store = LastKnownGoodStore.create(dir, clock);

    try (LogCapture log = LogCapture.of(LastKnownGoodStore.class)) {
      assertThat(store.save("orders", applied, noJson)).isFalse();
      store.delete("orders");
      assertThat(store.save("orders", applied, noJson)).isFalse();

      assertThat(log.records())
          .filteredOn(r -> r.getLevel().intValue() >= Level.INFO.intValue())
          .singleElement()
          .satisfies(
              r -> {
                assertThat(r.getLevel()).isEqualTo(Level.WARNING);
                assertThat(r.getMessage())
                    .startsWith("could not save last-known-good rules to " + store.file("orders"));
              });
    }
  }

  @Test
  void replacesTheSnapshotAtomicallyLeavingNoTemporaryFiles() throws Exception {
    LastKnownGoodStore store = LastKnownGoodStore.create(dir, clock);
    for (int revision = 1; revision <= 20; revision++) {
      store.save("orders", rules("orders", revision / 100.0, revision, ActiveRules.Source.ETCD));
    }

    assertThat(store.load("orders").orElseThrow().revision()).isEqualTo(20);
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("rules-orders.json");
    }
  }

  @Test
  void keepsOneFilePerServiceAndDeletesOnRequest() {
    LastKnownGoodStore store = LastKnownGoodStore.create(dir, clock);
    store.save("orders", rules("orders", 0.1, 1, ActiveRules.Source.ETCD));
    store.save("payments", rules("_default", 0.2, 2, ActiveRules.Source.ETCD_DEFAULT));

    store.delete("orders");

    assertThat(store.load("orders")).isEmpty();
    assertThat(store.load("payments").orElseThrow().document().service()).isEqualTo("_default");
  }

  @Test
  void warnsOnceWhileSavesKeepFailingAndSaysWhenTheyWorkAgain() throws Exception {
    Path stateDir = dir.resolve("state");
    Files.writeString(stateDir, "a file where the directory should be");
    LastKnownGoodStore store = LastKnownGoodStore.create(stateDir, clock);

    try (LogCapture log = LogCapture.of(LastKnownGoodStore.class)) {
      for (int revision = 1; revision <= 3; revision++) {
        assertThat(store.save("orders", rules("orders", 0.1, revision, ActiveRules.Source.ETCD)))
            .isFalse();
      }
      assertThat(log.records())
          .filteredOn(r -> r.getLevel().intValue() >= Level.INFO.intValue())
          .singleElement()
          .satisfies(
              r -> {
                assertThat(r.getLevel()).isEqualTo(Level.WARNING);
                assertThat(r.getMessage())
                    .startsWith("could not save last-known-good rules to " + store.file("orders"))
                    .contains(
                        ": the state directory "
                            + stateDir
                            + " (sluice.state.dir) is a file, not a directory")
                    .endsWith("; trying again with every change, logged again once a save works");
              });

      Files.delete(stateDir);
      assertThat(store.save("orders", rules("orders", 0.1, 4, ActiveRules.Source.ETCD))).isTrue();
      assertThat(store.save("orders", rules("orders", 0.1, 5, ActiveRules.Source.ETCD))).isTrue();

      assertThat(log.records())
          .filteredOn(r -> r.getLevel().intValue() >= Level.INFO.intValue())
          .extracting(LogRecord::getLevel, LogRecord::getMessage)
          .hasSize(2)
          .last()
          .isEqualTo(
              tuple(
                  Level.INFO,
                  "saving last-known-good rules to " + store.file("orders") + " works again"));
    }
  }

  @Test
  void aStateDirectoryThatIsAFileOrCannotBeCreatedIsSaidSoWithItsSetting() throws Exception {
    // before: "refusing last-known-good rules .../rules-orders.json: it could not be read
    // (FileSystemException: ...: Not a directory)", a WARNING for every delete, and
    // "NoSuchFileException: /proc/sluice" for a directory that cannot be created
    Path stateDir = Files.writeString(dir.resolve("state"), "a file");
    LastKnownGoodStore store = LastKnownGoodStore.create(stateDir, clock);
    Path underAFile = stateDir.resolve("deeper");
    LastKnownGoodStore uncreatable = LastKnownGoodStore.create(underAFile, clock);

    try (LogCapture log = LogCapture.of(LastKnownGoodStore.class)) {
      assertThat(store.load("orders")).isEmpty();
      store.delete("orders");
      assertThat(uncreatable.save("orders", rules("orders", 0.1, 1, ActiveRules.Source.ETCD)))
          .isFalse();

      assertThat(log.records())
          .filteredOn(r -> r.getLevel().intValue() >= Level.INFO.intValue())
          .extracting(LogRecord::getMessage)
          .satisfiesExactly(
              loaded ->
                  assertThat(loaded)
                      .isEqualTo(
                          "refusing last-known-good rules "
                              + store.file("orders")
                              + ": the state directory "
                              + stateDir
                              + " (sluice.state.dir) is a file, not a directory; the built-in"
                              + " defaults apply until etcd answers"),
              saved ->
                  assertThat(saved)
                      .contains(
                          ": the state directory "
                              + underAFile
                              + " (sluice.state.dir) does not exist and could not be created"));
    }
  }

  /**
   * Before: "could not save last-known-good rules to …: java.nio.file.AccessDeniedException:
   * …/.rules-orders-….tmp", naming neither the directory's problem nor the key to change.
   */
  @Test
  void aStateDirectoryThisUserCannotWriteIsSaidOnceWithItsSetting() throws Exception {
    Path unwritable = unwritableDirectory();
    LastKnownGoodStore store = LastKnownGoodStore.create(unwritable, clock);

    try (LogCapture log = LogCapture.of(LastKnownGoodStore.class)) {
      for (int revision = 1; revision <= 3; revision++) {
        assertThat(store.save("orders", rules("orders", 0.1, revision, ActiveRules.Source.ETCD)))
            .isFalse();
      }
      assertThat(store.load("orders")).isEmpty();

      assertThat(log.records())
          .filteredOn(r -> r.getLevel().intValue() >= Level.INFO.intValue())
          .singleElement()
          .satisfies(
              r -> {
                assertThat(r.getLevel()).isEqualTo(Level.WARNING);
                assertThat(r.getMessage())
                    .startsWith(
                        "could not save last-known-good rules to "
                            + store.file("orders")
                            + ": the state directory "
                            + unwritable
                            + " (sluice.state.dir) is not writable by this user (")
                    .endsWith("; trying again with every change, logged again once a save works");
              });
    }
  }

  /**
   * A directory this user cannot create files in: a read-only one, or, for root (whom permissions
   * do not stop), Linux's {@code /sys}.
   */
  private Path unwritableDirectory() throws IOException {
    Path readOnly = Files.createDirectory(dir.resolve("read-only"));
    assertThat(readOnly.toFile().setWritable(false, false)).isTrue();
    for (Path candidate : List.of(readOnly, Path.of("/sys"))) {
      if (Files.isDirectory(candidate) && !canCreateFileIn(candidate)) {
        return candidate;
      }
    }
    return Assumptions.abort("no directory here refuses this user's writes");
  }

  private static boolean canCreateFileIn(Path directory) {
    try {
      Files.delete(Files.createTempFile(directory, ".probe-", ".tmp"));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @Test
  void removesOnlyStaleTemporaryFilesOfCrashedSavesAtStart() throws Exception {
    Path crashed =
        aged(Files.createFile(dir.resolve(".rules-orders-1234.tmp")), Duration.ofHours(1));
    Path crashedElsewhere =
        aged(
            Files.createFile(dir.resolve(".rules-payments@staging-5678.tmp")),
            Duration.ofMinutes(10).plusSeconds(1));
    Path beingWritten =
        aged(Files.createFile(dir.resolve(".rules-orders-9012.tmp")), Duration.ofMinutes(1));
    Path notOurs = aged(Files.createFile(dir.resolve("orders.tmp")), Duration.ofHours(1));
    Path aDirectory =
        aged(Files.createDirectory(dir.resolve(".rules-dir-3456.tmp")), Duration.ofHours(1));
    LastKnownGoodStore store = LastKnownGoodStore.create(dir, clock);

    try (LogCapture log = LogCapture.of(LastKnownGoodStore.class)) {
      assertThat(store.load("orders")).isEmpty();
      assertThat(log.messages())
          .singleElement()
          .asString()
          .isEqualTo(
              "removed 2 temporary file(s) that interrupted last-known-good saves left in " + dir);
    }
    assertThat(crashed).doesNotExist();
    assertThat(crashedElsewhere).doesNotExist();
    assertThat(beingWritten).exists();
    assertThat(notOurs).exists();
    assertThat(aDirectory).exists();
  }

  /**
   * A log handler that throws (a full disk, a broken appender) at the sweep's line costs the line,
   * not the snapshot: an agent starting while etcd is away still runs its last-known-good rules.
   * Before, the failure left the load, the source gave up on the snapshot, and the built-in
   * defaults applied.
   */
  @Test
  void aLogHandlerThatThrowsCostsNoSnapshot() throws Exception {
    ActiveRules applied = rules("orders", 0.3, 42, ActiveRules.Source.ETCD);
    assertThat(LastKnownGoodStore.create(dir, clock).save("orders", applied)).isTrue();
    Path crashed =
        aged(Files.createFile(dir.resolve(".rules-orders-1234.tmp")), Duration.ofHours(1));

    try (BrokenLogHandler broken = BrokenLogHandler.on(LastKnownGoodStore.class)) {
      LastKnownGoodStore store = LastKnownGoodStore.create(dir, clock);
      assertThat(store.load("orders"))
          .hasValueSatisfying(loaded -> assertThat(loaded.revision()).isEqualTo(42));
      assertThat(crashed).as("swept, its line lost").doesNotExist();
      assertThat(store.load("payments")).as("none, said to no one").isEmpty();
    }
  }

  private Path aged(Path path, Duration age) throws Exception {
    Files.setLastModifiedTime(path, FileTime.from(clock.instant().minus(age)));
    return path;
  }

  @ParameterizedTest(name = "[{index}] ''{0}''")
  @ValueSource(
      strings = {
        "",
        "garbage",
        "{\"format\":1,\"revision\":7,\"document\":{\"schemaV",
        "[1, 2, 3]",
        "{\"format\":2,\"revision\":7,\"document\":{}}",
        "{\"format\":1,\"revision\":-1,\"document\":{}}",
        "{\"format\":1,\"revision\":7}"
      })
  void refusesAGarbledFileWithOneLogLine(String content) throws Exception {
    LastKnownGoodStore store = LastKnownGoodStore.create(dir, clock);
    Files.writeString(store.file("orders"), content);

    try (LogCapture log = LogCapture.of(LastKnownGoodStore.class)) {
      assertThat(store.load("orders")).isEmpty();
      assertThat(log.messages())
          .singleElement()
          .asString()
          .startsWith("refusing last-known-good rules " + store.file("orders") + ": ")
          .endsWith("the built-in defaults apply until etcd answers");
    }
  }

  /**
   * A named pipe where the snapshot should be would block the read, and with it the rule source's
   * start: it is refused without being opened.
   */
  @Test
  void refusesANamedPipeWithoutOpeningIt() throws Exception {
    LastKnownGoodStore store = LastKnownGoodStore.create(dir, clock);
    Path fifo = store.file("orders");
    Files.createDirectories(fifo.getParent());
    Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
    assertThat(mkfifo.waitFor()).isZero();

    try (LogCapture log = LogCapture.of(LastKnownGoodStore.class)) {
      AtomicReference<Optional<ActiveRules>> loaded = new AtomicReference<>();
      Thread loading = new Thread(() -> loaded.set(store.load("orders")), "load-a-fifo");
      loading.setDaemon(true);
      loading.start();
      await("load() returns").atMost(Duration.ofSeconds(10)).until(() -> !loading.isAlive());
      assertThat(loaded.get()).isEmpty();
      assertThat(log.messages())
          .singleElement()
          .asString()
          .startsWith("refusing last-known-good rules " + fifo + ": ")
          .contains("not a regular file");
    }
  }

  @Test
  void refusesAFileLargerThanASnapshotCanBeWithoutReadingAllOfIt() throws Exception {
    LastKnownGoodStore store = LastKnownGoodStore.create(dir, clock);
    Path file = store.file("orders");
    Files.createDirectories(file.getParent());
    try (var out = Files.newOutputStream(file)) {
      out.write(new byte[LastKnownGoodStore.MAX_SNAPSHOT_BYTES + 1]);
    }

    try (LogCapture log = LogCapture.of(LastKnownGoodStore.class)) {
      assertThat(store.load("orders")).isEmpty();
      assertThat(log.messages())
          .singleElement()
          .asString()
          .contains(
              "it is larger than a snapshot can be ("
                  + LastKnownGoodStore.MAX_SNAPSHOT_BYTES
                  + " bytes)");
    }
  }

  /**
   * A snapshot holds its document pretty-printed, each field on a line indented by its depth: a
   * valid document written compactly (etcd takes one by hand) grows well past twice its size. The
   * snapshot saved for it must load again, or a restart while etcd is away runs the defaults.
   */
  @Test
  void loadsTheSnapshotOfTheLargestCompactDocumentItSaved() {
    String compact = compactDocumentNearTheLimit();
    ActiveRules applied =
        new ActiveRules(
            CompiledRules.compile(RuleCodec.parse(compact).orElseThrow()),
            9,
            ActiveRules.Source.ETCD);
    LastKnownGoodStore store = LastKnownGoodStore.create(dir, clock);

    assertThat(store.save("orders", applied)).isTrue();

    assertThat(store.load("orders"))
        .get()
        .extracting(ActiveRules::document)
        .isEqualTo(applied.document());
  }

  /**
   * Older versions saved the canonical form pretty-printed, each field on a line indented by its
   * depth: for a document near the limit that text is larger than a document may be, while the same
   * document written compactly is not (those versions loaded it so). Such a file still loads, as
   * the upgrade notes promise: its document is read compactly, not as the text the file holds.
   */
  @Test
  void loadsASnapshotAnOlderVersionSavedPrettyPrintedPastTheDocumentLimit() throws Exception {
    RuleDocument document = RuleCodec.parse(compactDocumentNearTheLimit()).orElseThrow();
    // as an older version wrote it: the canonical form as a tree, the whole file pretty-printed
    ObjectMapper json = new ObjectMapper();
    ObjectNode older = json.createObjectNode();
    older.put("format", 1);
    older.put("service", "orders");
    older.put("namespace", "/sluice");
    older.put("revision", 11);
    older.put("source", "ETCD");
    older.put("savedAt", "2026-11-20T10:00:00Z");
    older.set("document", json.readTree(RuleCodec.write(document)));
    byte[] file = json.writerWithDefaultPrettyPrinter().writeValueAsBytes(older);
    assertThat(SnapshotText.documentText(file).length)
        .as("the document's text in the file")
        .isGreaterThan(RuleCodec.MAX_DOCUMENT_BYTES);
    assertThat(file.length).isLessThan(LastKnownGoodStore.MAX_SNAPSHOT_BYTES);
    LastKnownGoodStore store = LastKnownGoodStore.create(dir, clock);
    Files.write(store.file("orders"), file);

    try (LogCapture log = LogCapture.of(LastKnownGoodStore.class)) {
      ActiveRules loaded = store.load("orders").orElseThrow();

      assertThat(loaded.revision()).isEqualTo(11);
      assertThat(loaded.document()).isEqualTo(document);
      assertThat(log.messages()).isEmpty();
    }
  }

  /**
   * A document near the size limit, written tersely: its canonical form spells out every default of
   * every breaker and is twenty times larger, far past what a load accepts (and past the file cap).
   * Stored as applied, it loads back (before: saved canonical, refused at load as larger than a
   * document may be, so a restart while etcd is away ran the defaults).
   */
  @Test
  void loadsBackADocumentNearTheLimitWhoseCanonicalFormIsFarLarger() {
    String applied = terseBreakers("orders", RuleCodec.MAX_DOCUMENT_BYTES - 16);
    byte[] text = applied.getBytes(StandardCharsets.UTF_8);
    CompiledRules compiled = CompiledRules.compile(RuleCodec.parse(text).orElseThrow());
    assertThat(RuleCodec.writeCompact(compiled.document()).length())
        .isGreaterThan(8 * RuleCodec.MAX_DOCUMENT_BYTES);
    LastKnownGoodStore store = LastKnownGoodStore.create(dir, clock);

    try (LogCapture log = LogCapture.of(LastKnownGoodStore.class)) {
      assertThat(store.save("orders", new ActiveRules(compiled, 12, ActiveRules.Source.ETCD), text))
          .isTrue();
      ActiveRules loaded = store.load("orders").orElseThrow();

      assertThat(loaded.revision()).isEqualTo(12);
      assertThat(loaded.document()).isEqualTo(compiled.document());
      assertThat(log.messages()).isEmpty();
    }
    assertThat(store.file("orders"))
        .satisfies(f -> assertThat(Files.size(f)).isLessThan(text.length + 1024L));
  }

  /**
   * The document goes in byte for byte where it can (UTF-8): a byte order mark and white space
   * around it aside, and a document in another encoding etcd may hold goes in as its JSON tree.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"UTF-8", "UTF-8 with BOM and new lines", "UTF-16BE"})
  void keepsTheDocumentAsAppliedInAnyEncodingAJsonParserReads(String encoding) throws Exception {
    String json = "{\"schemaVersion\":1,\"service\":\"orders\",\"breakers\":[{\"name\":\"é\"}]}";
    byte[] text =
        switch (encoding) {
          case "UTF-16BE" -> json.getBytes(StandardCharsets.UTF_16BE);
          case "UTF-8" -> json.getBytes(StandardCharsets.UTF_8);
          default -> ("\uFEFF\n" + json + "\r\n").getBytes(StandardCharsets.UTF_8);
        };
    CompiledRules compiled = CompiledRules.compile(RuleCodec.parse(text).orElseThrow());
    LastKnownGoodStore store = LastKnownGoodStore.create(dir, clock);

    assertThat(store.save("orders", new ActiveRules(compiled, 3, ActiveRules.Source.ETCD), text))
        .isTrue();

    assertThat(store.load("orders"))
        .get()
        .extracting(ActiveRules::document)
        .isEqualTo(compiled.document());
    assertThat(Files.readString(store.file("orders"))).contains("\"document\" : " + json + "\n}");
  }

  @Test
  void refusesAStoredDocumentThatNoLongerValidates() throws Exception {
    LastKnownGoodStore store = LastKnownGoodStore.create(dir, clock);
    Files.writeString(
        store.file("orders"),
        "{\"format\":1,\"revision\":7,\"document\":" + invalidDocument("orders") + "}");

    try (LogCapture log = LogCapture.of(LastKnownGoodStore.class)) {
      assertThat(store.load("orders")).isEmpty();
      assertThat(log.messages())
          .singleElement()
          .asString()
          .contains("its document is invalid: $.sampling.defaultRatio: must be from 0 to 1");
    }
  }

  @Test
  void refusesAnotherServicesDocument() {
    LastKnownGoodStore store = LastKnownGoodStore.create(dir, clock);
    store.save("orders", rules("payments", 0.1, 3, ActiveRules.Source.ETCD));

    assertThat(store.load("orders")).isEmpty();
  }

  @Test
  void keepsTheSnapshotsOfEachNamespaceApart() {
    LastKnownGoodStore prod = LastKnownGoodStore.builder(dir).clock(clock).build();
    LastKnownGoodStore staging =
        LastKnownGoodStore.builder(dir).namespace("/staging").clock(clock).build();

    prod.save("orders", rules("orders", 0.1, 10, ActiveRules.Source.ETCD));
    staging.save("orders", rules("orders", 0.9, 20, ActiveRules.Source.ETCD));

    assertThat(prod.load("orders").orElseThrow().revision()).isEqualTo(10);
    assertThat(staging.load("orders").orElseThrow().revision()).isEqualTo(20);
    assertThat(prod.file("orders")).hasFileName("rules-orders.json");
    assertThat(staging.file("orders")).hasFileName("rules-orders@staging.json");
  }

  @Test
  void namesTheFileAfterTheNormalizedNamespace() {
    assertThat(LastKnownGoodStore.builder(dir).namespace("sluice/").build().file("orders"))
        .hasFileName("rules-orders.json");
    assertThat(LastKnownGoodStore.builder(dir).namespace("/").build().file("orders"))
        .hasFileName("rules-orders@.json");
    assertThat(LastKnownGoodStore.builder(dir).namespace("/team/a b").build().file("orders"))
        .hasFileName("rules-orders@team%2Fa%20b.json");
  }

  @Test
  void refusesASnapshotOfAnotherNamespaceWithOneLogLine() throws Exception {
    LastKnownGoodStore prod = LastKnownGoodStore.builder(dir).clock(clock).build();
    LastKnownGoodStore staging =
        LastKnownGoodStore.builder(dir).namespace("/staging").clock(clock).build();
    staging.save("orders", rules("orders", 0.9, 20, ActiveRules.Source.ETCD));
    Files.copy(staging.file("orders"), prod.file("orders"));

    try (LogCapture log = LogCapture.of(LastKnownGoodStore.class)) {
      assertThat(prod.load("orders")).isEmpty();
      assertThat(log.messages())
          .singleElement()
          .asString()
          .isEqualTo(
              "refusing last-known-good rules "
                  + prod.file("orders")
                  + ": it was saved for the etcd namespace '/staging', not '/sluice'; the"
                  + " built-in defaults apply until etcd answers");
    }
  }

  @Test
  void readsASnapshotSavedBeforeTheNamespaceWasRecordedAsTheDefaultNamespaces() throws Exception {
    String older = "{\"format\":1,\"revision\":7,\"document\":" + document("orders", 0.4) + "}";
    LastKnownGoodStore prod = LastKnownGoodStore.builder(dir).clock(clock).build();
    LastKnownGoodStore staging =
        LastKnownGoodStore.builder(dir).namespace("/staging").clock(clock).build();
    Files.writeString(prod.file("orders"), older);
    Files.writeString(staging.file("orders"), older);

    assertThat(prod.load("orders").orElseThrow().revision()).isEqualTo(7);
    assertThat(staging.load("orders")).isEmpty();
  }

  @Test
  void refusesASnapshotFromEtcdEndpointsWithNoneInCommon() {
    LastKnownGoodStore saved =
        LastKnownGoodStore.builder(dir)
            .etcdEndpoints(List.of(URI.create("http://etcd-a:2379"), URI.create("http://b:2379")))
            .clock(clock)
            .build();
    saved.save("orders", rules("orders", 0.1, 10, ActiveRules.Source.ETCD));

    LastKnownGoodStore otherCluster =
        LastKnownGoodStore.builder(dir).etcdEndpoints(List.of(URI.create("http://c:2379"))).build();
    LastKnownGoodStore sameClusterOneMemberMore =
        LastKnownGoodStore.builder(dir)
            .etcdEndpoints(List.of(URI.create("http://ETCD-A:2379"), URI.create("http://d:2379")))
            .build();
    LastKnownGoodStore endpointsUnknown = LastKnownGoodStore.create(dir);

    try (LogCapture log = LogCapture.of(LastKnownGoodStore.class)) {
      assertThat(otherCluster.load("orders")).isEmpty();
      assertThat(log.messages())
          .singleElement()
          .asString()
          .contains(
              ": it was saved from etcd [http://b:2379, http://etcd-a:2379], which has no endpoint"
                  + " in common with [http://c:2379];");
    }
    assertThat(sameClusterOneMemberMore.load("orders")).isPresent();
    assertThat(endpointsUnknown.load("orders")).isPresent();
  }

  @Test
  void keepsFileNamesPortable() {
    assertThat(SnapshotFileNames.fileSafe("orders-v2_eu.1")).isEqualTo("orders-v2_eu.1");
    assertThat(SnapshotFileNames.fileSafe("a/b c")).isEqualTo("a%2Fb%20c");
    assertThat(SnapshotFileNames.fileSafe("OrderService")).isEqualTo("%4Frder%53ervice");
  }

  /**
   * Versions before capitals were escaped saved {@code rules-OrderService.json}: an upgrade still
   * starts on it; the next save and a delete remove it, so it cannot bring old rules back.
   */
  @Test
  void readsAndDeletesTheSnapshotAnOlderVersionSavedWithCapitalsInItsName() throws Exception {
    LastKnownGoodStore store = LastKnownGoodStore.create(dir, clock);
    store.save("OrderService", rules("OrderService", 0.25, 7, ActiveRules.Source.ETCD));
    Path legacy = dir.resolve("rules-OrderService.json");
    Files.move(store.file("OrderService"), legacy);

    assertThat(store.load("OrderService").orElseThrow().revision()).isEqualTo(7);
    // the next save writes today's name and removes the older file, which has done its job
    store.save("OrderService", rules("OrderService", 0.5, 8, ActiveRules.Source.ETCD));
    assertThat(legacy).doesNotExist();
    assertThat(store.load("OrderService").orElseThrow().revision()).isEqualTo(8);

    // a delete removes an older file too, so it cannot bring deleted rules back
    Files.copy(store.file("OrderService"), legacy);
    store.delete("OrderService");
    assertThat(legacy).doesNotExist();
    assertThat(store.load("OrderService")).isEmpty();
  }

  /**
   * An agent that starts on an older version's snapshot and keeps running it (etcd away, or
   * answering with nothing newer) saves nothing: the old name used to stay until a document was
   * applied. The load itself now gives the snapshot today's name, unchanged.
   */
  @Test
  void givesAnOlderVersionsSnapshotTodaysNameWhenItLoadsIt() throws Exception {
    LastKnownGoodStore store = LastKnownGoodStore.create(dir, clock);
    store.save("OrderService", rules("OrderService", 0.25, 7, ActiveRules.Source.ETCD));
    byte[] saved = Files.readAllBytes(store.file("OrderService"));
    Path legacy = dir.resolve("rules-OrderService.json");
    Files.move(store.file("OrderService"), legacy);

    assertThat(store.load("OrderService").orElseThrow().revision()).isEqualTo(7);

    assertThat(legacy).doesNotExist();
    assertThat(store.file("OrderService")).hasBinaryContent(saved);
    assertThat(store.load("OrderService").orElseThrow().revision()).isEqualTo(7);
  }

  /** An older version's name that holds another service's snapshot is not this one's. */
  @Test
  void anOlderVersionsFileOfAnotherServiceIsNeitherUsedNorDeletedNorLogged() throws Exception {
    LastKnownGoodStore store = LastKnownGoodStore.create(dir, clock);
    // as a file system that ignores case finds rules-orderservice.json for rules-OrderService.json
    store.save("orderservice", rules("orderservice", 0.75, 9, ActiveRules.Source.ETCD));
    Path other = dir.resolve("rules-OrderService.json");
    Files.copy(store.file("orderservice"), other);

    try (LogCapture log = LogCapture.of(LastKnownGoodStore.class)) {
      assertThat(store.load("OrderService")).isEmpty();
      store.delete("OrderService");
      store.save("OrderService", rules("OrderService", 0.5, 10, ActiveRules.Source.ETCD));
      assertThat(log.records()).isEmpty();
    }
    assertThat(other).exists();
  }

  /**
   * Where the file system ignores case, {@code rules-orderservice.json} finds the file an older
   * version saved for {@code OrderService} (which ran {@code _default} then): not this service's
   * rules to start on, nor its file to delete; another service's name entirely is refused.
   */
  @Test
  void aSnapshotSavedForAnotherServiceUnderThisNameIsNotThisServices() throws Exception {
    LastKnownGoodStore store = LastKnownGoodStore.create(dir, clock);
    store.save("OrderService", rules("_default", 0.25, 7, ActiveRules.Source.ETCD));
    Files.move(store.file("OrderService"), store.file("orderservice"));

    try (LogCapture log = LogCapture.of(LastKnownGoodStore.class)) {
      assertThat(store.load("orderservice")).isEmpty();
      store.delete("orderservice");
      assertThat(log.records()).isEmpty();
    }
    assertThat(store.file("orderservice")).exists();

    store.save("payments", rules("_default", 0.5, 8, ActiveRules.Source.ETCD));
    Files.move(store.file("payments"), store.file("orders"), StandardCopyOption.REPLACE_EXISTING);
    try (LogCapture log = LogCapture.of(LastKnownGoodStore.class)) {
      assertThat(store.load("orders")).isEmpty();
      assertThat(log.messages())
          .singleElement()
          .asString()
          .contains("it was saved for the service 'payments', not 'orders'");
    }
  }

  /**
   * A long service name in capitals in a long namespace is more than a file name can hold once made
   * file-safe: the name is shortened, each service keeps its own file, and saves work. Before,
   * every save failed with "File name too long" and the service had no last-known-good rules.
   */
  @Test
  void aNameTooLongForAFileIsShortenedAndStaysItsOwn() {
    LastKnownGoodStore store =
        LastKnownGoodStore.builder(dir).namespace("/" + "team-".repeat(20)).clock(clock).build();
    String first = "S" + "A".repeat(61) + "1";
    String second = "S" + "A".repeat(61) + "2";

    store.save(first, rules(first, 0.25, 7, ActiveRules.Source.ETCD));
    store.save(second, rules(second, 0.75, 9, ActiveRules.Source.ETCD));

    assertThat(store.load(first).orElseThrow().revision()).isEqualTo(7);
    assertThat(store.load(second).orElseThrow().revision()).isEqualTo(9);
    String name = store.file(first).getFileName().toString();
    assertThat(name).hasSizeLessThanOrEqualTo(SnapshotFileNames.MAX_NAME + ".json".length());
    assertThat(name).startsWith("rules-%53%41%41").endsWith(".json");
    assertThat(name.substring(0, name.indexOf('~'))).as("no half escape").endsWith("%41");
    assertThat(store.file(second)).isNotEqualTo(store.file(first));
    assertThat(store.file("orders")).hasFileName("rules-orders@" + "team-".repeat(20) + ".json");
  }

  /**
   * A name past the shortening bound that still fit a file name was saved in full before names were
   * shortened: that snapshot is still found after an upgrade, and given today's name.
   */
  @Test
  void aSnapshotSavedInFullBeforeNamesWereShortenedIsStillFound() throws Exception {
    LastKnownGoodStore store =
        LastKnownGoodStore.builder(dir).namespace("/team-xyz").clock(clock).build();
    String service = "S" + "A".repeat(61) + "1";
    store.save(service, rules(service, 0.25, 7, ActiveRules.Source.ETCD));
    String full = "rules-" + SnapshotFileNames.fileSafe(service) + "@team-xyz.json";
    assertThat(full.length() - ".json".length()).isBetween(SnapshotFileNames.MAX_NAME + 1, 250);
    assertThat(store.file(service).getFileName().toString()).isNotEqualTo(full);
    Files.move(store.file(service), dir.resolve(full));

    assertThat(store.load(service).orElseThrow().revision()).isEqualTo(7);
    assertThat(store.file(service)).exists();
    assertThat(dir.resolve(full)).doesNotExist();
  }

  /** On a file system that ignores case, names differing only in case would share one file. */
  @Test
  void servicesWhoseNamesDifferOnlyInCaseKeepFilesThatDifferIgnoringCase() {
    LastKnownGoodStore store = LastKnownGoodStore.create(dir, clock);
    store.save("OrderService", rules("OrderService", 0.25, 7, ActiveRules.Source.ETCD));
    store.save("orderservice", rules("orderservice", 0.75, 9, ActiveRules.Source.ETCD));

    assertThat(store.file("OrderService").getFileName().toString())
        .isNotEqualToIgnoringCase(store.file("orderservice").getFileName().toString());
    assertThat(store.load("OrderService").orElseThrow().revision()).isEqualTo(7);
    assertThat(store.load("orderservice").orElseThrow().revision()).isEqualTo(9);
  }

  /**
   * A cleaner of the temporary directory can remove the private fallback while the app runs;
   * whoever re-creates it first owns it. The store checks it with every save and load, not once at
   * start.
   */
  @Test
  void aPrivateRootRemovedAndReplacedByAnOpenOneIsRefusedOnTheNextSaveAndLoad() throws Exception {
    Path root = dir.resolve("sluice-app");
    Path stateDir = root.resolve(".sluice");
    LastKnownGoodStore store =
        LastKnownGoodStore.builder(stateDir).clock(clock).privateRoot(root).build();
    assertThat(store.save("orders", rules("orders", 0.3, 1, ActiveRules.Source.ETCD))).isTrue();
    assertThat(Files.getPosixFilePermissions(root))
        .isEqualTo(PosixFilePermissions.fromString("rwx------"));

    // cleaned away, then planted by someone else: open to everyone, holding a snapshot
    Files.delete(store.file("orders"));
    Files.delete(stateDir);
    Files.delete(root);
    Files.createDirectories(stateDir);
    Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxrwxrwx"));
    Files.writeString(
        store.file("orders"),
        Files.readString(
            writtenElsewhere(rules("orders", 1.0, 66, ActiveRules.Source.ETCD)).file("orders")));

    try (LogCapture log = LogCapture.of(LastKnownGoodStore.class)) {
      assertThat(store.load("orders")).isEmpty();
      assertThat(store.save("orders", rules("orders", 0.4, 2, ActiveRules.Source.ETCD))).isFalse();
      assertThat(log.messages())
          .hasSize(2)
          .allSatisfy(m -> assertThat(m).contains(root.toString()).contains("writable by group"));
    }
    assertThat(Files.getPosixFilePermissions(root)).contains(PosixFilePermission.OTHERS_WRITE);
  }

  /** A store elsewhere holding {@code rules} for its service. */
  private LastKnownGoodStore writtenElsewhere(ActiveRules rules) throws IOException {
    LastKnownGoodStore other = LastKnownGoodStore.create(dir.resolve("elsewhere"), clock);
    assertThat(other.save("orders", rules)).isTrue();
    return other;
  }

  /**
   * A store on {@code directory} whose first file-system work (a save's or delete's, on its writing
   * thread) blocks until {@code answers}, as a call into a file system that stopped answering does.
   */
  private LastKnownGoodStore hangsOnce(Path directory, CountDownLatch answers) {
    LastKnownGoodStore store = LastKnownGoodStore.create(directory, clock);
    AtomicBoolean firstCall = new AtomicBoolean(true);
    store.onFileSystemWork(
        () -> {
          if (firstCall.compareAndSet(true, false)) {
            try {
              answers.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        });
    return store;
  }

  private static ActiveRules rules(
      String service, double ratio, long revision, ActiveRules.Source source) {
    return new ActiveRules(
        CompiledRules.compile(RuleCodec.parse(document(service, ratio)).orElseThrow()),
        revision,
        source);
  }

  /**
   * A valid document written compactly, 4 KiB under the document limit: one rule with thousands of
   * string attributes, which are written back as they are.
   */
  private static String compactDocumentNearTheLimit() {
    StringBuilder attributes = new StringBuilder();
    String head =
        "{\"schemaVersion\":1,\"service\":\"orders\",\"sampling\":{\"rules\":[{\"name\":\"r\","
            + "\"ratio\":1,\"match\":{\"attributes\":{";
    String tail = "}}}]}}";
    for (int i = 0;
        head.length() + attributes.length() + tail.length() + 4096 < RuleCodec.MAX_DOCUMENT_BYTES;
        i++) {
      attributes
          .append(i == 0 ? "" : ",")
          .append('"')
          .append(Integer.toString(i, 36))
          .append("\":\"v\"");
    }
    return head + attributes + tail;
  }
}
