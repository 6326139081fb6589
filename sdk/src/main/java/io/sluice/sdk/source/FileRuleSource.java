package io.sluice.sdk.source;

import io.sluice.rules.RuleCodec;
import io.sluice.sdk.ActiveRules;
import io.sluice.sdk.ActiveRulesHolder;
import io.sluice.sdk.FatalErrors;
import io.sluice.sdk.QuietLog;
import io.sluice.sdk.RepeatedFailureLine;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Keeps rules in force from a local document ({@code sluice.rules.file}), for applications without
 * etcd. Edits are picked up without restart.
 *
 * <p>The source watches the file's <em>directory</em> rather than the file, because most editors
 * save by writing a new file and renaming it over the old one, which a watch on the file itself
 * would lose. Every change in the directory, and in any case every poll interval (for file systems
 * without change notification), the file is read and compared with what was last read; a different
 * content is parsed, validated, compiled and published as one {@link ActiveRules} snapshot with
 * {@link ActiveRules.Source#FILE}. An invalid document is refused with one log line per distinct
 * content and the rules in force stay; so does a missing file.
 *
 * <p>Unlike etcd's, the first read happens in {@link #start()}, on the caller's thread: when it
 * returns, a valid file's rules are in force. Every later read runs on the source's own thread.
 */
public final class FileRuleSource implements RuleSource {

  private static final Logger logger = Logger.getLogger(FileRuleSource.class.getName());

  /** Changes closer together than this are read once: an editor's save is often several events. */
  private static final long SETTLE_MILLIS = 50;

  /**
   * The longest a change waits for its directory to settle: one that never does (an app's log
   * written beside the file every few milliseconds) would otherwise keep every change from being
   * read, for ever.
   */
  static final long MAX_SETTLE_MILLIS = 250;

  /**
   * How long {@link #close()} waits for the source's thread before abandoning it, as {@link
   * EtcdRuleSource#CLOSE_TIMEOUT}. An idle thread ends at once, and an interrupt ends a read of a
   * local file; a read blocked in the kernel (a hung network file system) ends with neither, and
   * the app's exit, which runs this, must not wait on it. The thread is a daemon: it does not keep
   * the JVM alive.
   */
  static final Duration CLOSE_TIMEOUT = Duration.ofMillis(250);

  private final Path file;

  /** The identity of the directory the watch was registered on ({@link #directoryKey}). */
  private volatile Object watchedDirectory;

  /** {@code rules file /x}, or {@code rules file /x (sluice.rules.file)}: for every line. */
  private final String named;

  private final ActiveRulesHolder holder;
  private final Set<String> services;
  private final Duration pollInterval;
  private final Clock clock;
  private final Reader reader;
  private final RuleSourceListeners listeners = new RuleSourceListeners();
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();

  private volatile RuleRejection lastRejection;
  private volatile Thread thread;
  private volatile WatchService watchService;

  // Written by start() before the source's thread starts, then confined to that thread.
  private byte[] lastContent;
  private boolean missingLogged;
  private boolean pollingLogged;

  /**
   * The problems said since the last read that worked: a stretch of failed reads whose words change
   * (a hung mount: the read times out, then the next one is refused while the first still blocks,
   * then the first ends with an I/O error) says each once, not each change.
   */
  private final Set<String> unreadableLogged = new HashSet<>();

  /** A failed read, said once per stretch of them (see readFailed()). */
  private final RepeatedFailureLine readFailures = new RepeatedFailureLine(logger);

  private FileRuleSource(Builder builder) {
    this.file = builder.file.toAbsolutePath().normalize();
    this.named =
        "rules file " + file + (builder.setting == null ? "" : " (" + builder.setting + ")");
    this.holder = builder.holder;
    this.services =
        builder.service == null ? Set.of() : DocumentCompiler.documentsOf(builder.service);
    this.pollInterval = builder.pollInterval;
    this.clock = builder.clock;
    this.reader = builder.reader;
  }

  /** A builder for a source that keeps {@code holder} up to date from {@code file}. */
  public static Builder builder(Path file, ActiveRulesHolder holder) {
    return new Builder(file, holder);
  }

  /** The watched file. */
  public Path file() {
    return file;
  }

  /**
   * Reads, validates and publishes the file once before returning, then watches it on the source's
   * own daemon thread. So an application that starts the source and then builds its tracer and
   * breakers runs its first calls on the file's rules, not on the defaults. (A local read is cheap;
   * {@link EtcdRuleSource}, which would wait on the network, still returns at once.)
   *
   * <p>A missing, unreadable or invalid file is handled as any later read is: logged, listeners
   * registered before this call are told of a rejection, {@link #lastRejection()} holds it, and the
   * rules in force stay until a good version of the file appears. Never throws for a problem with
   * the file. The directory watch is registered before the first read, so a change between the two
   * is not lost. An interrupt set on the calling thread before this call does not cut the first
   * read short, and is set again when this returns; one that comes during the read ends it, and the
   * file is read at the first poll interval (an INFO line says so). Idempotent; does nothing after
   * {@link #close()}.
   */
  @Override
  public void start() {
    if (closed.get() || !started.compareAndSet(false, true)) {
      return;
    }
    // The watch's registration and the first read wait on threads of their own, bounded: a
    // caller's interrupt set before the start (a start-up task in a pool being shut down) would cut
    // both short, and the app would run on the defaults until the next poll. Set aside for them,
    // and handed back.
    boolean interrupted = Thread.interrupted();
    try {
      watchService = openWatchServiceWithin(RegularFiles.TIMEOUT);
      check();
    } catch (Throwable e) {
      FatalErrors.rethrowIfFatal(e);
      // check() handles the file's problems itself; this is a bug (or a log line that threw), and
      // start() must not throw it nor skip starting the watch. It starts a stretch of failed reads
      // as the watch loop's do, when its line is written: a failure of the loop's right after is
      // said at FINE, and the first read that works says so (see readsAgain())
      readFailures.failed(
          "the first read of the " + named + " failed",
          "a read of the " + named + " failed again",
          e);
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
    // Thread.start() hands the fields written by the first check to the worker.
    Thread worker = new Thread(this::watchLoop, "sluice-rules-file");
    worker.setDaemon(true);
    thread = worker;
    worker.start();
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    listeners.close();
    Thread worker = thread;
    if (worker == null) {
      return;
    }
    closeWatchService();
    worker.interrupt();
    try {
      worker.join(CLOSE_TIMEOUT.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    if (worker.isAlive()) {
      // quietly: close() runs at the app's exit, and a log handler that throws must not fail it
      logQuietly(
          Level.INFO,
          "the rules file source of "
              + file
              + " did not stop within "
              + CLOSE_TIMEOUT.toMillis()
              + " ms, busy in "
              + BusyThreads.busyIn(worker)
              + ": abandoned its thread, a daemon",
          null);
    }
  }

  @Override
  public void addListener(RuleSourceListener listener) {
    listeners.add(listener);
  }

  @Override
  public void removeListener(RuleSourceListener listener) {
    listeners.remove(listener);
  }

  @Override
  public RuleRejection lastRejection() {
    return lastRejection;
  }

  private void watchLoop() {
    try {
      // start() has read the file once already, with the watch in place.
      while (!closed.get()) {
        try {
          awaitChange();
          check();
          readsAgain();
        } catch (InterruptedException | ClosedWatchServiceException e) {
          throw e; // closing
        } catch (Throwable e) {
          FatalErrors.rethrowIfFatal(e);
          // a bug, or a log handler of the app's that threw at one of this source's lines: one
          // failed read must not end the watch, or no later edit would ever be read
          readFailed(e);
        }
      }
    } catch (InterruptedException | ClosedWatchServiceException e) {
      // Closing.
    } catch (Throwable e) {
      // the JVM's own failures too: the watch's end is said, not left to the thread's handler
      logQuietly(Level.WARNING, "the watch of the " + named + " stopped", e);
    } finally {
      closeWatchService();
    }
  }

  /**
   * Says a read of the watch loop failed (at WARNING the first time in a stretch of failed reads,
   * FINE after, as one that repeats at every change would fill the log), then waits one poll
   * interval before the loop goes on, so a failure that repeats at once cannot spin the source's
   * thread. The stretch ends at the next read that works (see {@link #readsAgain()}).
   */
  private void readFailed(Throwable e) throws InterruptedException {
    if (closed.get()) {
      return;
    }
    readFailures.failed(
        "a read of the " + named + " failed; watching on",
        "a read of the " + named + " failed again",
        e);
    Thread.sleep(pollInterval.toMillis()); // a pause between failures, not a wait for a result
  }

  /**
   * A read of the watch loop worked: the end of a stretch of failed reads, said in one line when
   * its WARNING was, as the etcd source says etcd answers again; a failure after it is warned of
   * anew, as every other problem of this source is once per stretch, not once per source.
   */
  private void readsAgain() {
    if (!closed.get() && readFailures.ended()) {
      // quietly: a line that threw here would count as a failed read and start a new stretch
      logQuietly(Level.INFO, "a read of the rules file " + file + " works again", null);
    }
  }

  /**
   * Logs a line of this source's own ({@code e} may be null); never throws. A log handler that
   * fails here (maybe the one the source failed on) leaves the line unwritten: returns whether it
   * was.
   */
  private static boolean logQuietly(Level level, String line, Throwable e) {
    return QuietLog.write(logger, level, line, e);
  }

  /**
   * A watch on the file's directory, or null (logged once per stretch of polling) when it cannot be
   * watched: the directory does not exist (yet, or any more) or the file system has no change
   * notification.
   */
  private WatchService openWatchService() {
    try {
      return watching(register());
    } catch (IOException | RuntimeException e) {
      return polling(e.toString());
    }
  }

  /**
   * As {@link #openWatchService}, the registration on a daemon thread of its own waited for at most
   * {@code timeout}: registering stats the directory, which on a hard-mounted network file system
   * that stopped answering blocks in the kernel for ever, and {@link #start} must not. Given up on,
   * the file is polled (the source's thread tries to watch again after every interval), and a watch
   * registered after all is closed.
   */
  private WatchService openWatchServiceWithin(Duration timeout) {
    CompletableFuture<WatchService> registered = new CompletableFuture<>();
    Thread registering =
        new Thread(
            () -> {
              try {
                WatchService service = register();
                if (!registered.complete(service)) {
                  closeQuietly(service); // given up on
                }
              } catch (IOException | RuntimeException | Error e) {
                registered.completeExceptionally(e);
              }
            },
            "sluice-rules-file-watch");
    registering.setDaemon(true);
    registering.start();
    try {
      registered.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      if (registered.complete(null)) {
        return polling(
            "its directory did not answer within "
                + timeout.toMillis()
                + " ms: a hung file system?");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      if (registered.complete(null)) {
        return null; // the watch loop tries again
      }
    } catch (ExecutionException e) {
      // taken below
    }
    try {
      return watching(registered.join());
    } catch (CompletionException e) {
      return polling(String.valueOf(e.getCause()));
    }
  }

  /** A watch registered on the file's directory; the caller closes it. */
  private WatchService register() throws IOException {
    WatchService service = FileSystems.getDefault().newWatchService();
    try {
      Object directory = directoryKey();
      file.getParent()
          .register(
              service,
              StandardWatchEventKinds.ENTRY_CREATE,
              StandardWatchEventKinds.ENTRY_MODIFY,
              StandardWatchEventKinds.ENTRY_DELETE);
      watchedDirectory = directory;
      return service;
    } catch (IOException | RuntimeException e) {
      closeQuietly(service);
      throw e;
    }
  }

  /** The directory is watched: said when it was polled before. */
  private WatchService watching(WatchService service) {
    if (pollingLogged) {
      pollingLogged = false;
      // quietly: a line that threw here would leak the watch just registered, and poll on
      logQuietly(Level.INFO, "watching " + file.getParent() + " for changes again", null);
    }
    return service;
  }

  /** The directory cannot be watched ({@code why}): said once per stretch of polling. */
  private WatchService polling(String why) {
    if (!pollingLogged) {
      // quietly: a line that threw here would throw out of start() into the app; said again at
      // the next try when it could not be written
      pollingLogged =
          logQuietly(
              Level.INFO,
              "cannot watch "
                  + file.getParent()
                  + " for changes ("
                  + why
                  + "); polling "
                  + file
                  + " instead",
              null);
    }
    return null;
  }

  /** Whether the directory is watched (rather than the file polled); for tests. */
  boolean watching() {
    return watchService != null;
  }

  /**
   * Waits for a change in the directory, or one poll interval. While polling, tries to watch the
   * directory again after every interval, so a directory that comes back (a re-created mount, a
   * directory created after start) is watched again instead of polled for good.
   */
  private void awaitChange() throws InterruptedException {
    WatchService service = watchService;
    if (service == null) {
      Thread.sleep(
          pollInterval.toMillis()); // polling without notification: the interval is the point
      watchService = openWatchService();
      if (closed.get()) {
        closeWatchService();
      }
      return;
    }
    WatchKey key = service.poll(pollInterval.toMillis(), TimeUnit.MILLISECONDS);
    if (key == null) {
      watchAgainIfReplaced();
      return;
    }
    long settled = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(MAX_SETTLE_MILLIS);
    while (key != null) {
      key.pollEvents();
      if (!key.reset()) {
        // The directory itself went away: fall back to polling until it is back.
        closeWatchService();
        watchService = null;
        return;
      }
      long left = TimeUnit.NANOSECONDS.toMillis(settled - System.nanoTime());
      if (left <= 0) {
        return; // a directory that does not settle: read now, and wait for the next change
      }
      key = service.poll(Math.min(SETTLE_MILLIS, left), TimeUnit.MILLISECONDS);
    }
  }

  /**
   * Watches the directory again when another one took its place (renamed over it, or a symlink
   * swapped to another release): the watch follows the directory it was registered on, which was
   * not deleted and tells nothing any more, so changes were only read at every poll interval.
   * Checked once per quiet interval, which is when a watch on a replaced directory shows.
   */
  private void watchAgainIfReplaced() {
    Object directory = directoryKey();
    if (directory == null || directory.equals(watchedDirectory)) {
      return;
    }
    closeWatchService();
    watchService = openWatchService();
    if (closed.get()) {
      closeWatchService();
    }
  }

  /** The identity of the file's directory (symlinks followed), or null when it cannot be told. */
  private Object directoryKey() {
    try {
      return Files.readAttributes(file.getParent(), BasicFileAttributes.class).fileKey();
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private void check() {
    byte[] content;
    try {
      content = reader.read(file);
    } catch (NoSuchFileException e) {
      if (closed.get()) {
        return;
      }
      if (fileInPlaceOfDirectory() != null) {
        // Java 25 reads under a regular file as no such file, 17 as "Not a directory": both say so
        unreadable(e);
        return;
      }
      missing();
      return;
    } catch (InterruptedIOException e) {
      if (closed.get()) {
        return; // close()'s interrupt: no problem
      }
      if (thread == null) {
        // start()'s caller interrupted it during the read: no problem of the file's. Read again
        // at the watch loop's first turn, a poll interval on: by then the read given up on here
        // has ended (read again at once, it could be refused as still blocked)
        logQuietly(
            Level.INFO,
            "the first read of the "
                + named
                + " was interrupted by the thread that started the source; reading it again"
                + " within "
                + pollInterval.toMillis()
                + " ms",
            null);
        return;
      }
      unreadable(e);
      return;
    } catch (IOException | RuntimeException e) {
      if (closed.get()) {
        return; // a read cut short by close()'s interrupt (ClosedByInterruptException): no problem
      }
      unreadable(e);
      return;
    }
    if (closed.get()) {
      return; // closed while reading: a closed source publishes nothing
    }
    missingLogged = false;
    unreadableLogged.clear();
    if (Arrays.equals(content, lastContent)) {
      return;
    }
    lastContent = content;
    // never throws: the content is noted as read, so a document that threw here would be skipped
    // by every later read, and the watch loop would stop (see DocumentVerdict)
    DocumentVerdict verdict =
        DocumentVerdict.of(content, services, ActiveRules.Source.FILE, file.toString(), 0, clock);
    if (verdict.rules() != null) {
      ActiveRules rules = verdict.rules();
      lastRejection = null;
      holder.publish(rules);
      // quietly: a line that threw here would keep the listeners from ever hearing these rules,
      // as the next read finds the same content and skips it
      // named by its setting as every other line about the file is; the path first, as before
      logQuietly(Level.INFO, "applied the " + named, null);
      listeners.applied(rules);
      return;
    }
    RuleRejection rejection = verdict.rejection();
    lastRejection = rejection;
    // a rejection never changes the rules in force, and nothing read with it does: they stay; a
    // failure of this agent's own comes with its stack trace. Quietly, as the applied line is.
    logQuietly(
        Level.WARNING,
        RejectionLine.staying(named, builtInDefaultsInForce(), rejection),
        verdict.failure());
    listeners.rejected(rejection);
  }

  /**
   * {@code "the built-in defaults"} while they are what the app runs (until a valid file is read:
   * the app starts on them, and this source keeps no last-known-good rules), else null. Named in
   * the lines that say the rules in force stay, since "stay" alone, at a start on a broken or
   * missing file, reads as if the file's rules from before the restart were kept.
   */
  private String builtInDefaultsInForce() {
    return RejectionLine.builtInDefaultsIn(holder.current());
  }

  private void missing() {
    RuleRejection withdrawn = lastRejection;
    if (withdrawn != null) {
      // the rejected document is gone: its rejection no longer stands (RuleSource#lastRejection),
      // and the same content coming back is a new document to reject
      lastRejection = null;
      lastContent = null;
      listeners.withdrawn(withdrawn);
    }
    if (!missingLogged) {
      missingLogged =
          logQuietly(
              Level.WARNING,
              "the " + named + " does not exist; " + RejectionLine.stay(builtInDefaultsInForce()),
              null);
    }
  }

  /**
   * A directory, no permission...: each distinct problem said once per stretch of failed reads
   * (they are few: the file system's reasons and the read's own timeouts), then retried quietly.
   */
  private void unreadable(Exception e) {
    String problem = e.toString();
    if (!unreadableLogged.contains(problem)) {
      if (logQuietly(
          Level.WARNING,
          "cannot read the "
              + named
              + ": "
              + problem(e)
              + "; "
              + RejectionLine.stay(builtInDefaultsInForce()),
          null)) {
        unreadableLogged.add(problem);
      }
    } else {
      logQuietly(Level.FINE, "could not read the " + named + "; trying again", e);
    }
  }

  /**
   * What keeps the file from being read, in a few words after the file's name: the file system's
   * reason ({@code access denied}, {@code not a regular file (…)}), without the path the exception
   * repeats, which the line names already with its setting.
   */
  private String problem(Exception e) {
    if (e instanceof AccessDeniedException) {
      return "access denied";
    }
    if (e instanceof FileSystemException) {
      Path inPlace = fileInPlaceOfDirectory();
      if (inPlace != null) {
        return inPlace + " is a file, not a directory";
      }
    }
    if (e instanceof FileSystemException fs && fs.getReason() != null) {
      return fs.getReason();
    }
    String message = e.getMessage();
    if (message == null || message.isBlank() || message.equals(file.toString())) {
      return e.getClass().getSimpleName();
    }
    // an IOException of our own says its reason in its message; anything else is named too
    return e.getClass() == IOException.class ? message : e.toString();
  }

  /**
   * The regular file that stands where one of the rules file's directories should be, or null: the
   * nearest ancestor that exists decides. Asked only after a read failed, so a healthy file costs
   * nothing.
   */
  private Path fileInPlaceOfDirectory() {
    try {
      for (Path ancestor = file.toAbsolutePath().getParent();
          ancestor != null;
          ancestor = ancestor.getParent()) {
        if (Files.exists(ancestor)) {
          return Files.isDirectory(ancestor) ? null : ancestor;
        }
      }
    } catch (RuntimeException unreadable) {
      // a security manager: the read's own reason is said instead
    }
    return null;
  }

  /** The file's bytes, at most one more than a document may have (RuleCodec refuses more). */
  private static byte[] read(Path file) throws IOException {
    return RegularFiles.readAtMost(file, RuleCodec.MAX_DOCUMENT_BYTES);
  }

  private void closeWatchService() {
    closeQuietly(watchService);
  }

  private static void closeQuietly(WatchService service) {
    if (service != null) {
      try {
        service.close();
      } catch (IOException ignored) {
        // Nothing more to release.
      }
    }
  }

  /**
   * How the source reads the file; a seam for tests that need a read to hang, or to fail with what
   * is no problem of the file (a {@link LinkageError}, which {@code check()} does not catch) to
   * reach the lines of a failed read.
   */
  @FunctionalInterface
  interface Reader {
    byte[] read(Path file) throws IOException;
  }

  /** Builds a {@link FileRuleSource}; {@link #build()} does no I/O. */
  public static final class Builder {
    private final Path file;
    private final ActiveRulesHolder holder;
    private String service;
    private String setting;
    private Duration pollInterval = Duration.ofSeconds(2);
    private Clock clock = Clock.systemUTC();
    private Reader reader = FileRuleSource::read;

    private Builder(Path file, ActiveRulesHolder holder) {
      this.file = Objects.requireNonNull(file, "file");
      this.holder = Objects.requireNonNull(holder, "holder");
      if (file.getFileName() == null) {
        throw new IllegalArgumentException("the rules file must name a file, got '" + file + "'");
      }
    }

    /**
     * Accept only documents for this service (or {@code _default}); by default any service's
     * document is accepted.
     */
    public Builder service(String service) {
      this.service = service;
      return this;
    }

    /**
     * The setting that points at the file, as a user would look for it ({@code sluice.rules.file},
     * {@code environment variable SLUICE_RULES_FILE}, as {@code ConfigLookup.origin} names it),
     * named in every line about the file ({@code the rules file /x (environment variable
     * SLUICE_RULES_FILE) does not exist; …}, {@code applied the rules file /x
     * (sluice.rules.file)}), so that the user knows which setting chose it and which to correct; by
     * default those lines name the file alone, as for a source made in code.
     */
    public Builder setting(String setting) {
      this.setting = Objects.requireNonNull(setting, "setting");
      return this;
    }

    /** How often the file is read even without a change notification; default 2 s. */
    public Builder pollInterval(Duration interval) {
      Objects.requireNonNull(interval, "interval");
      if (interval.toMillis() < 10) {
        throw new IllegalArgumentException("poll interval must be at least 10 ms, got " + interval);
      }
      this.pollInterval = interval;
      return this;
    }

    /** The clock that stamps rejections. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** How the file is read, instead of as a regular file of at most a document's size. */
    Builder reader(Reader reader) {
      this.reader = Objects.requireNonNull(reader, "reader");
      return this;
    }

    /** The source, not started. */
    public FileRuleSource build() {
      return new FileRuleSource(this);
    }
  }
}
