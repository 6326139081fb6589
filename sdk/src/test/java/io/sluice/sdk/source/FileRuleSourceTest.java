package io.sluice.sdk.source;

import static io.sluice.sdk.source.SourceListeners.onApplied;
import static io.sluice.sdk.source.SourceListeners.onRejected;
import static io.sluice.sdk.source.SourceListeners.onWithdrawn;
import static io.sluice.sdk.source.TestDocuments.document;
import static io.sluice.sdk.source.TestDocuments.invalidDocument;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.rules.RuleCodec;
import io.sluice.sdk.ActiveRules;
import io.sluice.sdk.ActiveRulesHolder;
import io.sluice.testing.logging.LogCapture;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileRuleSourceTest {

  /** The name of the source's thread. */
  private static final String WORKER = "sluice-rules-file";

  @TempDir Path dir;

  private final ActiveRulesHolder holder = new ActiveRulesHolder(ActiveRules.defaults("orders"));
  private final List<RuleRejection> rejections = new CopyOnWriteArrayList<>();
  private Clock clock = Clock.systemUTC();
  private FileRuleSource source;

  @AfterEach
  void close() {
    if (source != null) {
      source.close();
    }
  }

  @Test
  void appliesTheFileAtStartAndEveryEdit() throws Exception {
    Path file = Files.writeString(dir.resolve("rules.json"), document("orders", 0.1));
    start(file);
    awaitRatio(0.1);
    assertThat(holder.current().source()).isEqualTo(ActiveRules.Source.FILE);
    assertThat(holder.current().revision()).isZero();

    Files.writeString(file, document("orders", 0.2));
    awaitRatio(0.2);
  }

  /**
   * A source started on a thread whose interrupt flag is set (an app's start-up task in a pool that
   * was being shut down) still reads the file before start() returns, reports no rejection and
   * hands the interrupt back. Before, the first read gave up at once ("interrupted while reading"):
   * the file was rejected as unreadable, and the app ran its first calls, and up to a poll
   * interval, on the defaults.
   */
  @Test
  void aStartOnAnInterruptedThreadReadsTheFileAndKeepsTheInterrupt() throws Exception {
    Path file = Files.writeString(dir.resolve("rules.json"), document("orders", 0.3));
    boolean keptInterrupt;
    Thread.currentThread().interrupt();
    try {
      start(file, new CopyOnWriteArrayList<>(), null, Duration.ofMinutes(1));
    } finally {
      keptInterrupt = Thread.interrupted();
    }

    assertThat(keptInterrupt).isTrue();
    assertThat(holder.current().document().sampling().defaultRatio()).isEqualTo(0.3);
    assertThat(rejections).isEmpty();
    assertThat(source.lastRejection()).isNull();
    assertThat(source.watching()).as("the directory's watch registered").isTrue();
  }

  /**
   * An interrupt that reaches start() during its first read (the caller cancelled mid-start) cuts
   * that read short: no problem of the file's, so no WARNING and no rejection, only an INFO line,
   * and the source's thread reads the file at its first poll interval. Before, the file was said to
   * be unreadable, a WARNING.
   */
  @Test
  void aFirstReadCutShortByTheCallersInterruptIsReadAtTheFirstPoll() throws Exception {
    Path file = Files.writeString(dir.resolve("rules.json"), document("orders", 0.3));
    Thread caller = Thread.currentThread();
    AtomicBoolean cutShort = new AtomicBoolean();
    boolean keptInterrupt;
    try (LogCapture log = LogCapture.of(FileRuleSource.class)) {
      try {
        start(
            file,
            new CopyOnWriteArrayList<>(),
            path -> {
              if (Thread.currentThread() == caller && cutShort.compareAndSet(false, true)) {
                caller.interrupt(); // as the default reader answers an interrupt mid-read
                throw new InterruptedIOException("interrupted while reading " + path);
              }
              return Files.readAllBytes(path);
            },
            Duration.ofMillis(300));
      } finally {
        keptInterrupt = Thread.interrupted();
      }

      assertThat(cutShort).isTrue();
      assertThat(keptInterrupt).isTrue();
      awaitRatio(0.3);
      assertThat(rejections).isEmpty();
      assertThat(log.records()).noneMatch(r -> r.getLevel().intValue() >= Level.WARNING.intValue());
      assertThat(log.records())
          .anyMatch(
              r ->
                  r.getLevel() == Level.INFO
                      && r.getMessage().contains("was interrupted by the thread that started"));
    }
  }

  /**
   * An edit is read though the directory never settles (an app's log written beside the file every
   * 10 ms): a change waits for quiet at most {@link FileRuleSource#MAX_SETTLE_MILLIS}. Before, the
   * wait for quiet never ended, and no edit was read, not even at the poll interval, while the log
   * was written.
   */
  @Test
  void anEditIsReadThoughTheDirectoryNeverSettles() throws Exception {
    Path file = Files.writeString(dir.resolve("rules.json"), document("orders", 0.1));
    start(file, new CopyOnWriteArrayList<>(), null, Duration.ofMinutes(1));
    Path log = dir.resolve("app.log");
    ScheduledExecutorService app = Executors.newSingleThreadScheduledExecutor();
    try {
      app.scheduleAtFixedRate(
          () -> {
            try {
              Files.writeString(
                  log, "a line\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          },
          0,
          10,
          TimeUnit.MILLISECONDS);
      await()
          .atMost(Duration.ofSeconds(10))
          .ignoreException(NoSuchFileException.class) // until the writer's first run
          .until(() -> Files.size(log) > 100);

      replaceAtomically(file, document("orders", 0.7));

      await()
          .atMost(Duration.ofSeconds(3))
          .until(() -> holder.current().document().sampling().defaultRatio() == 0.7);
    } finally {
      app.shutdownNow();
    }
  }

  /**
   * A directory renamed over the watched one (a deploy that swaps a whole configuration directory)
   * is watched from the next quiet poll interval on: an edit after that is read at once, not at the
   * next interval. Before, the watch stayed on the old directory, renamed away but not deleted, and
   * every later edit waited for a poll.
   */
  @Test
  void aDirectoryRenamedOverTheWatchedOneIsWatchedFromTheNextInterval() throws Exception {
    Path conf = Files.createDirectory(dir.resolve("conf"));
    Path file = Files.writeString(conf.resolve("rules.json"), document("orders", 0.1));
    Path next = Files.createDirectory(dir.resolve("conf.new"));
    Files.writeString(next.resolve("rules.json"), document("orders", 0.2));
    start(file, new CopyOnWriteArrayList<>(), null, Duration.ofSeconds(8));

    Files.move(conf, dir.resolve("conf.old"));
    Files.move(next, conf);
    // at the poll interval, which found the other directory and watches it
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> holder.current().document().sampling().defaultRatio() == 0.2);

    Files.writeString(file, document("orders", 0.3));
    // well under the 8 s poll interval, which the edit would wait for unwatched, with room for a
    // loaded machine's watch events
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> holder.current().document().sampling().defaultRatio() == 0.3);
  }

  @Test
  void hasTheFileInForceWhenStartReturns() throws Exception {
    String content = document("orders", 0.1);
    Path file = Files.writeString(dir.resolve("rules.json"), content);
    List<ActiveRules> applied = new CopyOnWriteArrayList<>();

    start(file, applied);

    // no waiting: the first calls after start() must already run on the file's rules
    assertThat(holder.current().source()).isEqualTo(ActiveRules.Source.FILE);
    assertThat(holder.current().revision()).isZero();
    assertThat(holder.current().document()).isEqualTo(RuleCodec.parse(content).document());
    assertThat(applied).containsExactly(holder.current());
    assertThat(source.lastRejection()).isNull();

    // and the watch runs on from there
    Files.writeString(file, document("orders", 0.2));
    awaitRatio(0.2);
  }

  @Test
  void refusesAnInvalidFileBeforeStartReturnsAndAppliesItOnceFixed() throws Exception {
    Path file = Files.writeString(dir.resolve("rules.json"), invalidDocument("orders"));
    try (LogCapture log = LogCapture.of(FileRuleSource.class)) {
      start(file);

      assertThat(rejections).hasSize(1);
      assertThat(rejections.get(0).messages()).hasSize(2);
      assertThat(source.lastRejection()).isSameAs(rejections.get(0));
      assertThat(source.lastRejection().origin()).isEqualTo(file.toAbsolutePath().toString());
      assertThat(holder.current().source()).isEqualTo(ActiveRules.Source.DEFAULTS);
      // the app started on the built-in defaults and this source keeps no last-known-good rules:
      // the line names them, not "stay" alone, which reads as the file's rules from before
      assertThat(log.messages())
          .filteredOn(m -> m.startsWith("rejected the rules file"))
          .singleElement()
          .asString()
          .startsWith(
              "rejected the rules file "
                  + file.toAbsolutePath()
                  + "; the rules in force stay: the built-in defaults. Problems:\n  $.");
    }

    replaceAtomically(file, document("orders", 0.3));
    awaitRatio(0.3);
    assertThat(source.lastRejection()).isNull();
  }

  /**
   * A rejected file deleted: its rejection no longer stands, and the listeners hear so (the status
   * reporter writes at once, not at its next refresh).
   */
  @Test
  void aRejectedFileDeletedIsToldAsAWithdrawnRejection() throws Exception {
    Path file = Files.writeString(dir.resolve("rules.json"), invalidDocument("orders"));
    start(file);
    List<RuleRejection> withdrawn = new CopyOnWriteArrayList<>();
    source.addListener(onWithdrawn(withdrawn::add));
    RuleRejection rejected = source.lastRejection();
    assertThat(rejected).isNotNull();

    Files.delete(file);
    await().atMost(Duration.ofSeconds(10)).until(() -> !withdrawn.isEmpty());
    assertThat(withdrawn).containsExactly(rejected);
    assertThat(source.lastRejection()).isNull();
  }

  @Test
  void saysAtStartThatTheFileDoesNotExistAndKeepsTheRulesInForce() throws Exception {
    Path file = dir.resolve("later.json");
    try (LogCapture log = LogCapture.of(FileRuleSource.class)) {
      start(file);

      assertThat(log.messages())
          .contains(
              "the rules file "
                  + file
                  + " does not exist; the rules in force stay: the built-in defaults");
      assertThat(holder.current().source()).isEqualTo(ActiveRules.Source.DEFAULTS);
      assertThat(rejections).isEmpty();
      assertThat(source.lastRejection()).isNull();
    }
  }

  /**
   * A rules file under what is a regular file, not a directory (a mistyped path): Java 17 says "Not
   * a directory", Java 25 "no such file"; the line names the file in the directory's place on both,
   * and once the directory is made the document in it applies.
   */
  @Test
  void namesTheFileThatStandsWhereTheRulesFilesDirectoryShouldBe() throws Exception {
    Path notADirectory = Files.writeString(dir.resolve("conf"), "a file");
    Path file = notADirectory.resolve("rules.json");
    try (LogCapture log = LogCapture.of(FileRuleSource.class)) {
      start(file);

      assertThat(log.warnings())
          .containsExactly(
              "cannot read the rules file "
                  + file
                  + ": "
                  + notADirectory.toAbsolutePath()
                  + " is a file, not a directory; the rules in force stay: the built-in defaults");
      assertThat(holder.current().source()).isEqualTo(ActiveRules.Source.DEFAULTS);
    }

    Files.delete(notADirectory);
    Files.createDirectory(notADirectory);
    replaceAtomically(file, document("orders", 0.3));
    awaitRatio(0.3);
  }

  @Test
  void followsEditorsThatSaveByRenamingANewFileOverTheOldOne() throws Exception {
    Path file = Files.writeString(dir.resolve("rules.json"), document("orders", 0.1));
    start(file);
    awaitRatio(0.1);

    for (double ratio : new double[] {0.3, 0.4, 0.5}) {
      replaceAtomically(file, document("orders", ratio));
      awaitRatio(ratio);
    }
  }

  @Test
  void refusesGarbageAndKeepsTheRulesInForce() throws Exception {
    Path file = Files.writeString(dir.resolve("rules.json"), document("orders", 0.1));
    start(file);
    awaitRatio(0.1);

    // Whole-file replacements: an in-place write can be read half-written, which is one more
    // (correct) rejection than this test counts.
    try (LogCapture log = LogCapture.of(FileRuleSource.class)) {
      replaceAtomically(file, "{ this is not json");
      await().atMost(Duration.ofSeconds(10)).until(() -> rejections.size() == 1);
      assertThat(holder.current().document().sampling().defaultRatio()).isEqualTo(0.1);
      assertThat(source.lastRejection().origin()).isEqualTo(file.toAbsolutePath().toString());
      assertThat(source.lastRejection().messages())
          .singleElement()
          .asString()
          .startsWith("$: malformed JSON at line 1");

      replaceAtomically(file, invalidDocument("orders"));
      await().atMost(Duration.ofSeconds(10)).until(() -> rejections.size() == 2);
      assertThat(rejections.get(1).messages()).hasSize(2);
      assertThat(holder.current().document().sampling().defaultRatio()).isEqualTo(0.1);
      // the file's rules applied before stay, as the line says (and names nothing)
      assertThat(log.messages())
          .filteredOn(m -> m.startsWith("rejected the rules file"))
          .hasSize(2)
          .allSatisfy(
              m ->
                  assertThat(m)
                      .startsWith(
                          "rejected the rules file "
                              + file.toAbsolutePath()
                              + "; the rules in force stay. Problems:\n  $"));
    }

    replaceAtomically(file, document("orders", 0.9));
    awaitRatio(0.9);
    assertThat(source.lastRejection()).isNull();
  }

  @Test
  void refusesADocumentForAnotherServiceButAcceptsTheDefaultDocument() throws Exception {
    Path file = Files.writeString(dir.resolve("rules.json"), document("payments", 0.1));
    start(file);
    await().atMost(Duration.ofSeconds(10)).until(() -> rejections.size() == 1);
    assertThat(holder.current().source()).isEqualTo(ActiveRules.Source.DEFAULTS);

    Files.writeString(file, document("_default", 0.2));
    awaitRatio(0.2);
  }

  /**
   * A service named {@code _default} (a valid name, and the name the agent runs a rules file under
   * when it refused the service's own) runs the {@code _default} document; building its source
   * threw {@code IllegalArgumentException: duplicate element: _default}.
   */
  @Test
  void aServiceNamedDefaultRunsTheDefaultDocument() throws Exception {
    Path file = Files.writeString(dir.resolve("rules.json"), document("_default", 0.6));
    source = FileRuleSource.builder(file, holder).service("_default").build();
    source.start();

    assertThat(holder.current().source()).isEqualTo(ActiveRules.Source.FILE);
    assertThat(holder.current().document().sampling().defaultRatio()).isEqualTo(0.6);
  }

  @Test
  void waitsForAFileThatDoesNotExistYet() throws Exception {
    Path file = dir.resolve("later.json");
    start(file);

    Files.writeString(file, document("orders", 0.6));
    awaitRatio(0.6);
  }

  @Test
  void keepsTheRulesWhenTheFileIsDeleted() throws Exception {
    Path file = Files.writeString(dir.resolve("rules.json"), document("orders", 0.1));
    start(file);
    awaitRatio(0.1);

    Files.delete(file);
    Files.writeString(dir.resolve("other.json"), "poke the directory watch");
    Files.writeString(file, document("orders", 0.7));
    awaitRatio(0.7);
  }

  @Test
  void saysOnceThatTheFileCannotBeReadAndAppliesItOnceItCan() throws Exception {
    Path file = Files.createDirectory(dir.resolve("rules.json"));
    try (LogCapture log = LogCapture.of(FileRuleSource.class)) {
      start(file);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> log.messages().stream().anyMatch(m -> m.startsWith("cannot read")));
      // polled every 500 ms: a few more reads fail, quietly
      await()
          .pollDelay(Duration.ofMillis(1200))
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(log.messages())
                      .filteredOn(m -> m.startsWith("cannot read the rules file " + file))
                      .hasSize(1));
      Files.delete(file);
      Files.writeString(file, document("orders", 0.4));
      awaitRatio(0.4);
    }
  }

  @Test
  void watchesTheDirectoryOnceItExistsAndAgainWhenItComesBack() throws Exception {
    Path conf = dir.resolve("conf");
    Path file = conf.resolve("rules.json");
    start(file);
    assertThat(source.watching()).isFalse();

    Files.createDirectory(conf);
    Files.writeString(file, document("orders", 0.1));
    awaitRatio(0.1);
    await().atMost(Duration.ofSeconds(10)).until(source::watching);

    Files.delete(file);
    Files.delete(conf);
    await().atMost(Duration.ofSeconds(10)).until(() -> !source.watching());

    Files.createDirectory(conf);
    Files.writeString(file, document("orders", 0.2));
    awaitRatio(0.2);
    await().atMost(Duration.ofSeconds(10)).until(source::watching);
    Files.writeString(file, document("orders", 0.3));
    awaitRatio(0.3);
  }

  /**
   * A rejection stands until the rejected document is replaced by a valid one or deleted (as {@link
   * RuleSource#lastRejection()} promises and the etcd source does), so the agent status stops
   * showing it; the same invalid file coming back is rejected again.
   */
  @Test
  void aRejectionNoLongerStandsOnceTheRejectedFileIsDeletedAndStandsAgainIfItComesBack()
      throws Exception {
    Path file = Files.writeString(dir.resolve("rules.json"), document("orders", 0.1));
    start(file);
    Files.writeString(file, invalidDocument("orders"));
    await().atMost(Duration.ofSeconds(10)).until(() -> source.lastRejection() != null);

    Files.delete(file);
    await().atMost(Duration.ofSeconds(10)).until(() -> source.lastRejection() == null);

    Files.writeString(file, invalidDocument("orders"));
    await().atMost(Duration.ofSeconds(10)).until(() -> source.lastRejection() != null);
  }

  /**
   * A holder listener that fails once with a {@link LinkageError} (a class that cannot load, in the
   * agent) does not end the file watch: later edits are still applied.
   */
  @Test
  void keepsWatchingAfterAListenerFailedWithALinkageError() throws Exception {
    Path file = Files.writeString(dir.resolve("rules.json"), document("orders", 0.1));
    AtomicBoolean failed = new AtomicBoolean();
    holder.addListener(
        r -> {
          if (r.document().sampling().defaultRatio() == 0.2 && failed.compareAndSet(false, true)) {
            throw new NoClassDefFoundError("io/sluice/Missing");
          }
        });
    start(file);
    Files.writeString(file, document("orders", 0.2));
    await().atMost(Duration.ofSeconds(10)).until(failed::get);

    Files.writeString(file, document("orders", 0.3));
    awaitRatio(0.3);
  }

  /**
   * A log handler of the app's that throws at this source's lines (here at the line saying the file
   * is gone, tried again at each read since it was never written) does not end the watch: later
   * edits are still applied. Before, the exception of one line ended the watch loop, and no later
   * edit was read.
   */
  @Test
  void aLogLineThatThrowsDoesNotEndTheWatch() throws Exception {
    Path file = Files.writeString(dir.resolve("rules.json"), document("orders", 0.1));
    start(file);
    awaitRatio(0.1);
    try (FailingLogLines gone = FailingLogLines.of(FileRuleSource.class, "the rules file ")) {
      Files.delete(file);
      await().atMost(Duration.ofSeconds(10)).until(() -> gone.failed() > 0);

      Files.writeString(file, document("orders", 0.3));
      awaitRatio(0.3);
    }
  }

  /**
   * A log handler that throws at the line saying the file does not exist leaves it untold, and a
   * later read says it. Before, the line counted as told before it was written: never said.
   */
  @Test
  void saysTheFileDoesNotExistAfterTheLineSayingSoThrewOnce() throws Exception {
    Path file = dir.resolve("rules.json");
    // the failing handler first: the capture sees only the lines written
    try (FailingLogLines gone = FailingLogLines.once(FileRuleSource.class, "the rules file ");
        LogCapture log = LogCapture.of(FileRuleSource.class)) {
      start(file);
      assertThat(gone.failed()).isEqualTo(1);

      Files.writeString(dir.resolve("other.json"), "poke the directory watch");
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  log.messages().stream()
                      .anyMatch(
                          m ->
                              m.endsWith(
                                  " does not exist; "
                                      + "the rules in force stay: the built-in defaults")));
    }
  }

  /**
   * A log handler that throws at the line saying the file cannot be read leaves it untold, and the
   * next poll says it. Before, the problem counted as told before the line: only FINE lines after.
   */
  @Test
  void saysTheFileCannotBeReadAfterTheLineSayingSoThrewOnce() throws Exception {
    Path file = Files.createDirectory(dir.resolve("rules.json"));
    try (FailingLogLines unreadable = FailingLogLines.once(FileRuleSource.class, "cannot read ");
        LogCapture log = LogCapture.of(FileRuleSource.class)) {
      start(file);

      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  log.messages().stream()
                      .anyMatch(m -> m.startsWith("cannot read the rules file " + file)));
      assertThat(unreadable.failed()).isEqualTo(1);
    }
  }

  /**
   * A log handler that throws at the first read's line (here saying the file does not exist; the
   * line saying the first read failed is written quietly too) neither makes {@code start()} throw
   * into the app nor keeps the watch from starting. Before, {@code start()} threw and the source
   * never watched.
   */
  @Test
  void startNeitherThrowsNorSkipsTheWatchWhenItsFailureLineThrows() throws Exception {
    Path file = dir.resolve("rules.json");
    try (FailingLogLines gone = FailingLogLines.of(FileRuleSource.class, "the rules file ")) {
      start(file);

      assertThat(gone.failed()).isEqualTo(1);
    }
    Files.writeString(file, document("orders", 0.2));
    awaitRatio(0.2);
  }

  /**
   * The listeners hear rules applied even when the line saying so throws. Before, the line threw
   * after the rules were published, the listeners were skipped, and the next read found the same
   * content and skipped it: they never heard of those rules.
   */
  @Test
  void listenersHearRulesWhoseAppliedLineThrows() throws Exception {
    Path file = Files.writeString(dir.resolve("rules.json"), document("orders", 0.1));
    List<ActiveRules> applied = new CopyOnWriteArrayList<>();
    try (FailingLogLines line = FailingLogLines.of(FileRuleSource.class, "applied the rules")) {
      start(file, applied);
      assertThat(applied).containsExactly(holder.current());

      replaceAtomically(file, document("orders", 0.2));
      awaitRatio(0.2);
      await().atMost(Duration.ofSeconds(10)).until(() -> applied.size() == 2);
      assertThat(applied.get(1)).isEqualTo(holder.current());
      assertThat(line.failed()).isEqualTo(2);
    }
  }

  /**
   * The listeners hear a rejection even when the line saying so throws. Before, the line threw
   * before the listeners were told, and the next read skipped the same content: they never heard.
   */
  @Test
  void listenersHearARejectionWhoseLineThrows() throws Exception {
    Path file = Files.writeString(dir.resolve("rules.json"), invalidDocument("orders"));
    try (FailingLogLines line = FailingLogLines.of(FileRuleSource.class, "rejected the rules")) {
      start(file);

      assertThat(rejections).hasSize(1);
      assertThat(source.lastRejection()).isEqualTo(rejections.get(0));
      assertThat(line.failed()).isEqualTo(1);
    }
  }

  /**
   * A directory that comes back is watched again even when the line saying so throws. Before, the
   * line threw with the watch just registered: that watch leaked and the source polled on.
   */
  @Test
  void watchesAgainWhenTheWatchingLineThrows() throws Exception {
    Path conf = dir.resolve("conf");
    Path file = conf.resolve("rules.json");
    try (FailingLogLines line = FailingLogLines.of(FileRuleSource.class, "watching ")) {
      start(file);
      assertThat(source.watching()).isFalse();

      Files.createDirectory(conf);
      Files.writeString(file, document("orders", 0.1));
      awaitRatio(0.1);
      await().atMost(Duration.ofSeconds(10)).until(source::watching);
      assertThat(line.failed()).isEqualTo(1);
    }
  }

  /**
   * A line saying the directory cannot be watched that throws neither escapes {@code start()} nor
   * keeps the source from polling. Before, it threw out of {@code start()} into the app.
   */
  @Test
  void startDoesNotThrowWhenThePollingLineThrows() throws Exception {
    Path conf = dir.resolve("conf");
    Path file = conf.resolve("rules.json");
    try (FailingLogLines line = FailingLogLines.of(FileRuleSource.class, "cannot watch ")) {
      start(file);
      assertThat(line.failed()).isEqualTo(1);

      Files.createDirectory(conf);
      Files.writeString(file, document("orders", 0.1));
      awaitRatio(0.1);
    }
  }

  /**
   * {@code close()}, run at the app's exit, does not throw when the line saying it abandoned a
   * thread that would not stop throws. Before, that line threw out of {@code close()}.
   */
  @Test
  void closeDoesNotThrowWhenItsAbandonedLineThrows() throws Exception {
    Path file = Files.writeString(dir.resolve("rules.json"), document("orders", 0.1));
    CountDownLatch release = new CountDownLatch(1);
    AtomicReference<Thread> held = new AtomicReference<>();
    start(
        file,
        path -> {
          if (held.get() == null && Thread.currentThread().getName().equals(WORKER)) {
            held.set(Thread.currentThread());
            holdIgnoringInterrupts(release); // as a read blocked in the kernel
          }
          return Files.readAllBytes(path);
        });
    await("the worker is held").atMost(Duration.ofSeconds(10)).until(() -> held.get() != null);
    try (FailingLogLines line = FailingLogLines.of(FileRuleSource.class, "the rules file source")) {
      source.close();

      assertThat(line.failed()).isEqualTo(1);
    } finally {
      release.countDown();
    }
    await("the held thread ends").atMost(Duration.ofSeconds(10)).until(() -> !held.get().isAlive());
  }

  private static void holdIgnoringInterrupts(CountDownLatch release) {
    boolean interrupted = false;
    while (true) {
      try {
        release.await();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * A failure while judging an edit (a bug; here the clock that stamps its rejection throws) is
   * that content's rejection, with one error naming the failure and the failure's stack trace in
   * its line: the rules in force stay and the watch goes on. Before, it ended the watch, and no
   * later edit was read.
   */
  @Test
  void aFailureWhileJudgingAnEditRejectsItNamingTheFailureAndTheWatchGoesOn() throws Exception {
    Path file = Files.writeString(dir.resolve("rules.json"), document("orders", 0.1));
    ClockFailingAt failing = new ClockFailingAt(1);
    clock = failing;
    try (LogCapture log = LogCapture.of(FileRuleSource.class)) {
      start(file);
      awaitRatio(0.1);

      replaceAtomically(file, invalidDocument("orders"));
      await().atMost(Duration.ofSeconds(10)).until(() -> !rejections.isEmpty());
      String failure =
          "$: this agent failed on the document (IllegalStateException: "
              + failing.failure()
              + "), a bug rather than a problem of the document; the agent's log has the stack"
              + " trace";
      assertThat(rejections)
          .singleElement()
          .satisfies(r -> assertThat(r.messages()).containsExactly(failure));
      assertThat(source.lastRejection()).isSameAs(rejections.get(0));
      assertThat(holder.current().document().sampling().defaultRatio()).isEqualTo(0.1);
      assertThat(log.records())
          .filteredOn(r -> r.getMessage().startsWith("rejected the rules file"))
          .singleElement()
          .satisfies(
              r -> {
                assertThat(r.getMessage())
                    .isEqualTo(
                        "rejected the rules file "
                            + file.toAbsolutePath()
                            + "; the rules in force stay. Problems:\n  "
                            + failure);
                assertThat(r.getThrown())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage(failing.failure());
              });
    }

    replaceAtomically(file, document("orders", 0.3));
    awaitRatio(0.3);
    assertThat(source.lastRejection()).isNull();
  }

  /**
   * A rules file that is a named pipe (or {@code /dev/stdin} in a container) would block the read
   * for ever, and with it the start of the app's rules and its shutdown: it is refused as
   * unreadable without being opened.
   */
  @Test
  void refusesANamedPipeWithoutOpeningIt() throws Exception {
    Path fifo = dir.resolve("rules.json");
    Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
    assertThat(mkfifo.waitFor()).isZero();
    try (LogCapture log = LogCapture.of(FileRuleSource.class)) {
      Thread starting = new Thread(() -> start(fifo), "start-on-a-fifo");
      starting.setDaemon(true);
      starting.start();
      await("start() returns").atMost(Duration.ofSeconds(10)).until(() -> !starting.isAlive());
      assertThat(log.messages())
          .anySatisfy(
              m ->
                  assertThat(m)
                      .startsWith("cannot read the rules file " + fifo)
                      .contains("not a regular file"));
    }
    assertThat(holder.current().source()).isEqualTo(ActiveRules.Source.DEFAULTS);
  }

  /**
   * A read blocked in the kernel (here: opening a named pipe nobody writes to, as a hung network
   * file system blocks a read) ends with no interrupt; close(), which runs at the app's exit, must
   * not wait for it longer than its bound, and the abandoned thread must not keep the JVM alive.
   */
  @Test
  void closeAbandonsAThreadBlockedInTheKernelWithinItsBound() throws Exception {
    Path file = Files.writeString(dir.resolve("rules.json"), document("orders", 0.1));
    Path fifo = mkfifo(dir.resolve("hung"));
    AtomicReference<Thread> blocked = new AtomicReference<>();
    try (LogCapture log = LogCapture.of(FileRuleSource.class)) {
      start(
          file,
          path -> {
            if (blocked.get() == null && Thread.currentThread().getName().equals(WORKER)) {
              blocked.set(Thread.currentThread());
              Files.readAllBytes(fifo); // open(2) blocks: no writer
              throw new IOException("Input/output error"); // as a hung mount that gives up
            }
            return Files.readAllBytes(path);
          });
      awaitRatio(0.1);
      await("the worker's read hangs")
          .atMost(Duration.ofSeconds(10))
          .until(() -> blocked.get() != null);
      Thread worker = blocked.get();
      assertThat(worker.isDaemon()).as("never keeps the JVM alive").isTrue();

      // the read stays blocked until the test writes to the fifo: a close() that waited for the
      // worker to end would never return
      Thread closing = new Thread(source::close, "closing");
      closing.start();
      await("close() returns while the read hangs")
          .atMost(Duration.ofSeconds(30))
          .until(() -> !closing.isAlive());

      assertThat(worker.isAlive()).as("still blocked in the kernel").isTrue();
      assertThat(log.messages())
          .anySatisfy(
              m ->
                  assertThat(m)
                      .startsWith("the rules file source of " + file)
                      .contains("did not stop within " + FileRuleSource.CLOSE_TIMEOUT.toMillis())
                      .contains("abandoned"));
      // the file system gives up: the abandoned thread ends, saying nothing of the file
      try (OutputStream writer = Files.newOutputStream(fifo)) {
        writer.write('x');
      }
      await("the abandoned thread ends")
          .atMost(Duration.ofSeconds(10))
          .until(() -> !worker.isAlive());
      assertThat(log.messages()).noneMatch(m -> m.startsWith("cannot read"));
      assertThat(holder.current().document().sampling().defaultRatio()).isEqualTo(0.1);
    }
  }

  /**
   * close() interrupts the source's thread, which ends it before close() returns even in the midst
   * of a read; what that read brings is not published: a closed source changes no rules.
   */
  @Test
  void closeEndsTheThreadInTheMidstOfAReadAndPublishesNothingAfter() throws Exception {
    Path file = Files.writeString(dir.resolve("rules.json"), document("orders", 0.1));
    AtomicReference<Thread> reading = new AtomicReference<>();
    List<ActiveRules> applied = new CopyOnWriteArrayList<>();
    try (LogCapture log = LogCapture.of(FileRuleSource.class)) {
      start(
          file,
          applied,
          path -> {
            if (reading.get() == null && Thread.currentThread().getName().equals(WORKER)) {
              reading.set(Thread.currentThread());
              try {
                new CountDownLatch(1).await(); // a slow read, under way when close() comes
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              return document("orders", 0.5).getBytes(StandardCharsets.UTF_8);
            }
            return Files.readAllBytes(path);
          });
      await("the worker reads").atMost(Duration.ofSeconds(10)).until(() -> reading.get() != null);
      Thread worker = reading.get();

      source.close();

      assertThat(worker.isAlive()).as("ended by the interrupt, within close()").isFalse();
      assertThat(holder.current().document().sampling().defaultRatio()).isEqualTo(0.1);
      assertThat(applied).hasSize(1);
      assertThat(log.messages()).noneMatch(m -> m.contains("abandoned"));
    }
  }

  /** A file too large to be a rules document is refused after reading no more than the limit. */
  @Test
  void refusesAFileLargerThanADocumentCanBe() throws Exception {
    Path file = dir.resolve("rules.json");
    String padding = " ".repeat(RuleCodec.MAX_DOCUMENT_BYTES);
    Files.writeString(file, document("orders", 0.3) + padding);
    start(file);
    await().atMost(Duration.ofSeconds(10)).until(() -> source.lastRejection() != null);
    assertThat(source.lastRejection().messages())
        .singleElement()
        .asString()
        .contains("larger than " + RuleCodec.MAX_DOCUMENT_BYTES + " bytes");
    assertThat(holder.current().source()).isEqualTo(ActiveRules.Source.DEFAULTS);
  }

  /**
   * A read of the watch that fails with what the source cannot take for a problem of the file (a
   * {@link LinkageError}: a class the read needs cannot load, in the agent) is said once at
   * WARNING, with the failure, and at FINE after; the watch goes on, the rules in force stay
   * meanwhile though the file changed, and the next good change once reads work again is applied.
   */
  @Test
  void aFailedReadIsSaidOnceTheRulesStayAndTheWatchGoesOn() throws Exception {
    Path file = Files.writeString(dir.resolve("rules.json"), document("orders", 0.1));
    AtomicBoolean failing = new AtomicBoolean();
    AtomicInteger failures = new AtomicInteger();
    Logger logger = Logger.getLogger(FileRuleSource.class.getName());
    Level levelBefore = logger.getLevel();
    logger.setLevel(Level.FINE);
    try (LogCapture log = LogCapture.of(FileRuleSource.class)) {
      start(file, failingWhile(failing, failures));
      awaitRatio(0.1);

      failing.set(true);
      replaceAtomically(file, document("orders", 0.2));
      await().atMost(Duration.ofSeconds(10)).until(() -> failures.get() >= 3);
      assertThat(holder.current().document().sampling().defaultRatio())
          .as("the last good rules, in force while reads fail")
          .isEqualTo(0.1);
      assertThat(log.records())
          .filteredOn(r -> r.getLevel() == Level.WARNING)
          .singleElement()
          .satisfies(
              r -> {
                assertThat(r.getMessage())
                    .isEqualTo(
                        "a read of the rules file "
                            + file.toAbsolutePath()
                            + " failed; watching on");
                assertThat(r.getThrown()).isInstanceOf(NoClassDefFoundError.class);
              });
      assertThat(log.messages())
          .filteredOn(
              m -> m.equals("a read of the rules file " + file.toAbsolutePath() + " failed again"))
          .isNotEmpty();

      failing.set(false);
      replaceAtomically(file, document("orders", 0.3));
      awaitRatio(0.3);
      assertThat(log.warnings()).hasSize(1);
    } finally {
      logger.setLevel(levelBefore);
    }
  }

  /**
   * A stretch of failed reads ends at the next read that works, said in one INFO line; a read
   * failing after that is warned of anew, once per stretch as every other problem of the source.
   * Before, the WARNING was said once per source: a failure weeks later went to FINE only.
   */
  @Test
  void aFailedReadIsWarnedOfOncePerStretchOfFailures() throws Exception {
    Path file = Files.writeString(dir.resolve("rules.json"), document("orders", 0.1));
    AtomicBoolean failing = new AtomicBoolean();
    AtomicInteger failures = new AtomicInteger();
    String failed = "a read of the rules file " + file.toAbsolutePath() + " failed; watching on";
    String worksAgain = "a read of the rules file " + file.toAbsolutePath() + " works again";
    try (LogCapture log = LogCapture.of(FileRuleSource.class)) {
      start(file, failingWhile(failing, failures));
      awaitRatio(0.1);

      failing.set(true);
      replaceAtomically(file, document("orders", 0.2));
      await().atMost(Duration.ofSeconds(10)).until(() -> failures.get() >= 2);
      failing.set(false);
      awaitRatio(0.2);
      await().atMost(Duration.ofSeconds(10)).until(() -> log.messages().contains(worksAgain));

      failing.set(true);
      replaceAtomically(file, document("orders", 0.3));
      await().atMost(Duration.ofSeconds(10)).until(() -> failures.get() >= 4);
      failing.set(false);
      awaitRatio(0.3);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> log.messages().stream().filter(worksAgain::equals).count() == 2);

      assertThat(log.warnings()).containsExactly(failed, failed);
      assertThat(log.records())
          .filteredOn(r -> r.getMessage().equals(worksAgain))
          .allSatisfy(r -> assertThat(r.getLevel()).isEqualTo(Level.INFO));
      assertThat(log.messages())
          .filteredOn(m -> m.equals(failed) || m.equals(worksAgain))
          .containsExactly(failed, worksAgain, failed, worksAgain);
    }
  }

  /**
   * {@code start()}'s own read failing with what the source cannot take for a problem of the file
   * (a {@link LinkageError}) is said once, {@code start()} returns without throwing, the rules in
   * force stay (here the built-in defaults), and the watch it starts applies the file once it can
   * be read, and the next change after that.
   */
  @Test
  void aFailedFirstReadIsSaidOnceAndTheWatchStartsAllTheSame() throws Exception {
    Path file = Files.writeString(dir.resolve("rules.json"), document("orders", 0.1));
    AtomicBoolean failing = new AtomicBoolean(true);
    AtomicInteger failures = new AtomicInteger();
    try (LogCapture log = LogCapture.of(FileRuleSource.class)) {
      start(file, failingWhile(failing, failures));

      assertThat(failures).hasValue(1);
      assertThat(holder.current().source()).isEqualTo(ActiveRules.Source.DEFAULTS);
      assertThat(log.records())
          .singleElement()
          .satisfies(
              r -> {
                assertThat(r.getLevel()).isEqualTo(Level.WARNING);
                assertThat(r.getMessage())
                    .isEqualTo(
                        "the first read of the rules file " + file.toAbsolutePath() + " failed");
                assertThat(r.getThrown()).isInstanceOf(NoClassDefFoundError.class);
              });

      failing.set(false);
      awaitRatio(0.1);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  log.messages()
                      .contains(
                          "a read of the rules file " + file.toAbsolutePath() + " works again"));
      replaceAtomically(file, document("orders", 0.2));
      awaitRatio(0.2);
      assertThat(log.warnings()).hasSize(1);
    }
  }

  /**
   * A failed first read starts a stretch of failed reads as a failed read of the watch loop does:
   * the watch loop's reads failing after it are said at FINE, and the first read that works says so
   * at INFO. Before, the watch loop's first failure was warned of again, and a first read that
   * failed alone was never followed by a line saying reads work again.
   */
  @Test
  void aFailedFirstReadStartsTheStretchTheWatchLoopsFailuresBelongTo() throws Exception {
    Path file = Files.writeString(dir.resolve("rules.json"), document("orders", 0.1));
    AtomicBoolean failing = new AtomicBoolean(true);
    AtomicInteger failures = new AtomicInteger();
    String firstFailed = "the first read of the rules file " + file.toAbsolutePath() + " failed";
    String loopFailed =
        "a read of the rules file " + file.toAbsolutePath() + " failed; watching on";
    String worksAgain = "a read of the rules file " + file.toAbsolutePath() + " works again";
    try (LogCapture log = LogCapture.of(FileRuleSource.class)) {
      start(file, failingWhile(failing, failures));
      // the first read's failure and at least one of the watch loop's
      await().atMost(Duration.ofSeconds(10)).until(() -> failures.get() >= 2);
      failing.set(false);
      awaitRatio(0.1);
      await().atMost(Duration.ofSeconds(10)).until(() -> log.messages().contains(worksAgain));

      assertThat(log.warnings()).containsExactly(firstFailed);
      assertThat(log.messages())
          .filteredOn(m -> m.equals(firstFailed) || m.equals(loopFailed) || m.equals(worksAgain))
          .containsExactly(firstFailed, worksAgain);
    }
  }

  /**
   * Every line about a problem with the file names the setting that points at it, so that a user
   * who set {@code SLUICE_RULES_FILE} knows what to correct (before: the path alone); each is still
   * said once per stretch.
   */
  @Test
  void theLinesAboutAProblemWithTheFileNameItsSetting() throws Exception {
    String variable = "environment variable SLUICE_RULES_FILE";
    Path file = dir.resolve("rules.json");
    AtomicBoolean failing = new AtomicBoolean();
    AtomicInteger failures = new AtomicInteger();
    try (LogCapture log = LogCapture.of(FileRuleSource.class)) {
      source =
          FileRuleSource.builder(file, holder)
              .service("orders")
              .setting(variable)
              .pollInterval(Duration.ofMillis(100))
              .reader(failingWhile(failing, failures))
              .build();
      source.start();
      String named = "the rules file " + file + " (" + variable + ")";
      assertThat(log.warnings())
          .containsExactly(
              named + " does not exist; the rules in force stay: the built-in defaults");

      Files.createDirectory(file);
      await().atMost(Duration.ofSeconds(10)).until(() -> log.warnings().size() == 2);
      // one parenthesis, the setting's: the problem follows a colon, without the path again
      assertThat(log.warnings().get(1))
          .isEqualTo(
              "cannot read "
                  + named
                  + ": not a regular file (a directory, pipe or device); the rules in force stay:"
                  + " the built-in defaults");
      Files.delete(file);

      Files.writeString(file, invalidDocument("orders"));
      await().atMost(Duration.ofSeconds(10)).until(() -> log.warnings().size() == 3);
      assertThat(log.warnings().get(2))
          .startsWith(
              "rejected the rules file " + file + " (" + variable + "); the rules in force");

      failing.set(true);
      replaceAtomically(file, document("orders", 0.2));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> log.warnings().size() == 4 && failures.get() >= 3);
      assertThat(log.warnings().get(3)).isEqualTo("a read of " + named + " failed; watching on");

      failing.set(false);
      awaitRatio(0.2);
      assertThat(log.warnings()).as("each said once").hasSize(4);
      // the file applied is named by its setting too, as every other line about it
      assertThat(log.messages()).contains("applied " + named);
    }
  }

  /**
   * A stretch of failed reads whose words change (a hung mount: the read times out, the next is
   * refused while it still blocks, and so on) says each problem once, not at each change of words
   * (it used to, for as long as the mount hung); a read that works ends the stretch.
   */
  @Test
  void alternatingReadProblemsAreEachSaidOncePerStretch() throws Exception {
    Path file = Files.writeString(dir.resolve("rules.json"), document("orders", 0.2));
    AtomicBoolean failing = new AtomicBoolean(true);
    AtomicInteger failures = new AtomicInteger();
    try (LogCapture log = LogCapture.of(FileRuleSource.class)) {
      start(
          file,
          new CopyOnWriteArrayList<>(),
          f -> {
            if (failing.get()) {
              throw new IOException(failures.incrementAndGet() % 2 == 0 ? "timed out" : "blocked");
            }
            return RegularFiles.readAtMost(f, RuleCodec.MAX_DOCUMENT_BYTES);
          },
          Duration.ofMillis(20));
      await().atMost(Duration.ofSeconds(10)).until(() -> failures.get() >= 8);
      assertThat(log.warnings()).filteredOn(m -> m.startsWith("cannot read")).hasSize(2);

      failing.set(false);
      awaitRatio(0.2);
      int before = failures.get();
      failing.set(true);
      await().atMost(Duration.ofSeconds(10)).until(() -> failures.get() >= before + 4);
      assertThat(log.warnings())
          .as("a new stretch says its problems again")
          .filteredOn(m -> m.startsWith("cannot read"))
          .hasSize(4);
    }
  }

  /**
   * A file this JVM may not read (the tests run as root, so the reader refuses it as the file
   * system does) is said in one parenthesis, the setting's, with the problem after a colon: before,
   * {@code cannot read the rules file /x (environment variable SLUICE_RULES_FILE)
   * (java.nio.file.AccessDeniedException: /x); …}, the path twice and two parentheses.
   */
  @Test
  void aFileItMayNotReadIsSaidInOneParenthesisWithoutThePathAgain() throws Exception {
    Path file = Files.writeString(dir.resolve("rules.json"), document("orders", 0.2));
    try (LogCapture log = LogCapture.of(FileRuleSource.class)) {
      source =
          FileRuleSource.builder(file, holder)
              .service("orders")
              .setting("environment variable SLUICE_RULES_FILE")
              .pollInterval(Duration.ofMillis(100))
              .reader(
                  f -> {
                    throw new AccessDeniedException(f.toString());
                  })
              .build();
      source.start();
      assertThat(log.warnings())
          .containsExactly(
              "cannot read the rules file "
                  + file
                  + " (environment variable SLUICE_RULES_FILE): access denied; the rules in force"
                  + " stay: the built-in defaults");
    }
  }

  /**
   * The real read, but for a {@link NoClassDefFoundError} (counted in {@code failures}) while
   * {@code failing} is set.
   */
  private static FileRuleSource.Reader failingWhile(AtomicBoolean failing, AtomicInteger failures) {
    return f -> {
      if (failing.get()) {
        failures.incrementAndGet();
        throw new NoClassDefFoundError("io/sluice/Missing, as a test asks");
      }
      return RegularFiles.readAtMost(f, RuleCodec.MAX_DOCUMENT_BYTES);
    };
  }

  private void start(Path file) {
    start(file, new CopyOnWriteArrayList<>());
  }

  private void start(Path file, List<ActiveRules> applied) {
    start(file, applied, null);
  }

  private void start(Path file, FileRuleSource.Reader reader) {
    start(file, new CopyOnWriteArrayList<>(), reader);
  }

  private void start(Path file, List<ActiveRules> applied, FileRuleSource.Reader reader) {
    start(file, applied, reader, Duration.ofMillis(500));
  }

  private void start(
      Path file, List<ActiveRules> applied, FileRuleSource.Reader reader, Duration pollInterval) {
    FileRuleSource.Builder builder =
        FileRuleSource.builder(file, holder)
            .service("orders")
            .pollInterval(pollInterval)
            .clock(clock);
    if (reader != null) {
      builder.reader(reader);
    }
    source = builder.build();
    source.addListener(onApplied(applied::add));
    source.addListener(onRejected(rejections::add));
    source.start();
  }

  private static Path mkfifo(Path path) throws IOException, InterruptedException {
    Process mkfifo = new ProcessBuilder("mkfifo", path.toString()).inheritIO().start();
    assertThat(mkfifo.waitFor()).isZero();
    return path;
  }

  private void awaitRatio(double ratio) {
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> holder.current().document().sampling().defaultRatio() == ratio);
  }

  private static void replaceAtomically(Path file, String content) throws IOException {
    // as editors save: a new file beside the old one, renamed over it
    Path temp = Files.writeString(file.resolveSibling("." + file.getFileName() + ".swp"), content);
    Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
