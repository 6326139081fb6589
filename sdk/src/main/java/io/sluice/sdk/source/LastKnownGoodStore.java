package io.sluice.sdk.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.etcd.TemporaryStateDirectory;
import io.sluice.etcd.UnsafeStateDirectoryException;
import io.sluice.rules.OneLineText;
import io.sluice.rules.RuleCodec;
import io.sluice.rules.wire.EtcdKeys;
import io.sluice.sdk.ActiveRules;
import io.sluice.sdk.QuietLog;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Keeps the last rules an agent applied from etcd on disk, so an agent that starts while etcd is
 * unreachable still runs the rules it had instead of the built-in defaults.
 *
 * <p>A store belongs to one etcd namespace ({@code sluice.etcd.namespace}) and, when given, one set
 * of etcd endpoints: two agents of a service on one host that read different namespaces (staging
 * and prod, say) must never start on each other's rules. One file per service and namespace under
 * the state directory ({@code sluice.state.dir}, default {@code ~/.sluice}): {@code
 * rules-{service}.json} in the default namespace {@code /sluice} (the name files had before
 * namespaces were part of it, so those are still read), {@code rules-{service}@{namespace}.json} in
 * any other, the namespace without its leading {@code /}. The file holds the document with the etcd
 * revision and source it came from, the namespace and the endpoints. A file whose namespace is not
 * the store's, or whose endpoints have none in common with the store's, is refused; a file without
 * a namespace (written before it was recorded) counts as the default namespace's, one without
 * endpoints matches any.
 *
 * <p>Every save writes a temporary file, forces it to disk and renames it over the old one ({@code
 * ATOMIC_MOVE}), so a crash mid-write leaves the previous snapshot intact, never half a file. The
 * document is stored as it was applied, byte for byte, and validated again when loaded, under the
 * same limits: whatever was applied loads back, and anything unreadable or from elsewhere is
 * refused with one log line, and the caller runs on the defaults.
 *
 * <p>A crash between writing the temporary file and renaming it leaves the temporary file behind.
 * The first load or save of a store (at start) removes such files: those matching {@code
 * .rules-*.tmp} in the state directory, regular files only, last modified more than {@link
 * #STALE_TEMPORARY_FILE_AGE} ago (a save takes milliseconds, so no live process, this one or
 * another agent sharing the directory, is still writing one that old).
 *
 * <p>Saves and deletes run on a daemon thread, waited for at most {@link #WRITE_TIMEOUT}, as a
 * load's file-system work is bounded: a state directory whose file system stopped answering must
 * not stall the rule source that saves. Only the file-system work is waited for: a save's text (up
 * to a MiB of document) is made on the caller's thread before, so a starved CPU is never taken for
 * a hung file system. While that thread is blocked, later saves and deletes return at once and only
 * each file's latest waits, written once the directory answers. The thread is the directory's,
 * shared by every store on it in the JVM: of two stores on one directory (rules closed and built
 * again), the write asked for last is the one the file ends with.
 *
 * <p>Creating a store does no I/O. Methods never throw: disk problems are logged and the agent goes
 * on.
 */
public final class LastKnownGoodStore {

  private static final Logger logger = Logger.getLogger(LastKnownGoodStore.class.getName());
  private static final ObjectMapper MAPPER = JsonMapper.builder().build();
  private static final int FORMAT = 1;

  /**
   * The most a snapshot file may hold. A snapshot holds the document as applied, at most {@link
   * RuleCodec#MAX_DOCUMENT_BYTES}; older versions saved its canonical form pretty-printed, each
   * field on a line of its own indented by its depth (a short field, {@code "a":1,} at the depth of
   * an attribute, takes four times its compact size), and those files are still read.
   */
  static final int MAX_SNAPSHOT_BYTES = 8 * RuleCodec.MAX_DOCUMENT_BYTES;

  private static final String TEMPORARY_FILES = ".rules-*.tmp";

  /** For the writes every caller wants. */
  private static final BooleanSupplier ALWAYS = () -> true;

  /** The setting the directory usually comes from, for log lines. */
  private static final String STATE_DIR_KEY = "sluice.state.dir";

  /** How old a temporary file must be before it counts as left behind by a crash. */
  public static final Duration STALE_TEMPORARY_FILE_AGE = Duration.ofMinutes(10);

  private final Path directory;
  private final SnapshotFileNames names;
  private final SnapshotOrigin origin;
  private final Clock clock;
  private final Path privateRoot;
  private final String stateDirSetting;
  private final boolean withoutEtcd;
  // the files whose last save failed: the warning is logged once per streak
  private final Set<Path> failingSaves = ConcurrentHashMap.newKeySet();
  // the files whose save or delete was given up on as the directory hung, until the thread writes
  // them: a delete that ends such a hang says so; it ends no streak of saves that failed
  private final Set<Path> givenUp = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean swept = new AtomicBoolean();
  private final AtomicBoolean privateRootNoticed = new AtomicBoolean();
  // runs when a caller gives up waiting, before it looks at the writing thread (tests only)
  private volatile Runnable onWaitGivenUp = () -> {};
  // forces the directory after a rename; replaced by tests only
  private volatile DirectorySync directorySync = new DirectorySync();
  // runs on the writing thread as a save or delete starts its file-system work (tests only: a
  // file system that stops answering is made there)
  private volatile Runnable onFileSystemWork = () -> {};
  // runs on the caller's thread as a save's snapshot text is made (tests only: a slow one)
  private volatile Runnable onSnapshotText = () -> {};

  private LastKnownGoodStore(Builder builder) {
    this.directory = builder.directory;
    this.names = new SnapshotFileNames(builder.directory, builder.namespace);
    this.origin = new SnapshotOrigin(builder.namespace, builder.etcdEndpoints);
    this.clock = builder.clock;
    this.privateRoot = builder.privateRoot;
    this.stateDirSetting = builder.stateDirSetting;
    this.withoutEtcd = builder.withoutEtcd;
  }

  /**
   * A store under {@code directory} (created on the first save) for the default namespace, any
   * endpoints.
   */
  public static LastKnownGoodStore create(Path directory) {
    return builder(directory).build();
  }

  /**
   * A store under {@code directory} for the default namespace, any endpoints, that stamps saves
   * with {@code clock}.
   */
  public static LastKnownGoodStore create(Path directory, Clock clock) {
    return builder(directory).clock(clock).build();
  }

  /** A builder for a store under {@code directory}; give it the namespace the rules come from. */
  public static Builder builder(Path directory) {
    return new Builder(directory);
  }

  /**
   * Makes sure the {@link Builder#privateRoot} is this user's own, creating it owner-only when a
   * cleaner of the temporary directory removed it: checked with every load and save, not once, as
   * whoever re-creates it first owns it.
   */
  private void securePrivateRoot() throws IOException {
    if (privateRoot != null) {
      String notice = TemporaryStateDirectory.secure(privateRoot);
      // one this user owns and no one else may write, which could not be closed to readers (a
      // read-only mount): used, and said once (at start: the first load comes then)
      if (notice != null && privateRootNoticed.compareAndSet(false, true)) {
        log(
            Level.WARNING,
            "last-known-good rules in " + stateDirSetting + " " + directory + ": " + notice,
            null);
      }
    }
  }

  /** The directory the store writes to. */
  public Path directory() {
    return directory;
  }

  /** The etcd namespace the store's snapshots belong to, normalized as {@link EtcdKeys} does. */
  public String namespace() {
    return origin.namespace();
  }

  /** The file holding {@code service}'s snapshot in this store's namespace. */
  public Path file(String service) {
    return names.file(service);
  }

  /**
   * Replaces {@code service}'s snapshot with {@code rules}, atomically, storing the document in its
   * canonical form ({@link RuleCodec#writeCompact}). For rules read from etcd, prefer {@link
   * #save(String, ActiveRules, byte[])}: the canonical form spells out every default and can be
   * many times larger than the document applied, past what a load accepts ({@link
   * RuleCodec#MAX_DOCUMENT_BYTES}); such a snapshot is not written (logged like any failed save).
   *
   * @return whether the snapshot was written
   */
  public boolean save(String service, ActiveRules rules) {
    return save(service, rules, ALWAYS);
  }

  /**
   * As {@link #save(String, ActiveRules)}, not done when {@code wanted} answers false as the write
   * is queued (see {@link #save(String, ActiveRules, byte[], BooleanSupplier)}).
   */
  boolean save(String service, ActiveRules rules, BooleanSupplier wanted) {
    return save(
        service,
        rules,
        RuleCodec.writeCompact(rules.document()).getBytes(StandardCharsets.UTF_8),
        wanted);
  }

  /**
   * Replaces {@code service}'s snapshot with {@code rules}, atomically, keeping {@code document}
   * (the text {@code rules} were compiled from, as read from etcd) byte for byte: a load parses and
   * validates those very bytes again, under the same limits, so every document that was applied
   * loads back. A failure is logged as a WARNING when it starts a streak, at FINE while it goes on,
   * and the first success after it at INFO.
   *
   * @param document the JSON text of {@code rules}' document, as applied
   * @return whether the snapshot was written
   */
  public boolean save(String service, ActiveRules rules, byte[] document) {
    return save(service, rules, document, ALWAYS);
  }

  /**
   * As {@link #save(String, ActiveRules, byte[])}, not done (answered false) when {@code wanted}
   * answers false as the write is queued: asked under the lock that orders the directory's writes,
   * so a rule source whose close() gave up on its thread ({@code wanted} false from then on) cannot
   * have that thread's save land after the one of the source that replaced it.
   */
  boolean save(String service, ActiveRules rules, byte[] document, BooleanSupplier wanted) {
    Objects.requireNonNull(document, "document");
    byte[] snapshot;
    try {
      snapshot = snapshotText(service, rules, document);
    } catch (IOException | RuntimeException e) {
      // not the file system's doing (no JSON, too large to load back): said as a failed save is
      saveFailed(file(service), String.valueOf(e), e);
      return false;
    }
    return bounded(service, "save", () -> saveNow(service, snapshot), wanted);
  }

  /**
   * The snapshot file's text for {@code document}, made on the caller's thread before the bounded
   * wait: a document of up to a MiB takes a starved machine's CPU a while to check and write out,
   * which must not be taken for a file system that does not answer. {@code savedAt} is when the
   * save was asked for.
   */
  private byte[] snapshotText(String service, ActiveRules rules, byte[] document)
      throws IOException {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("format", FORMAT);
    root.put("service", service);
    origin.writeTo(root);
    root.put("revision", rules.revision());
    root.put("source", rules.source().name());
    root.put("savedAt", clock.instant().toString());
    onSnapshotText.run();
    return SnapshotText.write(root, document);
  }

  /**
   * {@link #save(String, ActiveRules, byte[])}'s file-system work, on the writing thread: {@code
   * bytes} (the snapshot's text) to a temporary file, forced, renamed into place.
   */
  private boolean saveNow(String service, byte[] bytes) {
    onFileSystemWork.run();
    sweepOnce();
    Path target = file(service);
    Path temp = null;
    try {
      securePrivateRoot();
      Files.createDirectories(directory);
      temp = Files.createTempFile(directory, names.temporaryPrefix(service), ".tmp");
      try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        channel.force(true);
      }
      try {
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
      }
      temp = null; // moved: nothing left to delete
      directorySync.force(directory);
      if (failingSaves.remove(target)) {
        log(Level.INFO, "saving last-known-good rules to " + target + " works again", null);
      }
      // today's file is in place: an older version's (capitals kept) has done its job
      deleteLegacy(service);
      return true;
    } catch (IOException | RuntimeException e) {
      saveFailed(
          target, Objects.requireNonNullElse(directoryProblem(e, true), String.valueOf(e)), e);
      if (temp != null) {
        try {
          Files.deleteIfExists(temp);
        } catch (IOException ignored) {
          // A stray temp file is harmless; the next save writes a new one.
        }
      }
      return false;
    } finally {
      // the directory answered this save: what it said is the streak's now (see deleteNow)
      givenUp.remove(target);
    }
  }

  /**
   * Says that a save of {@code target} failed ({@code why}): an unwritable state directory fails
   * every save, so it is said once per streak, like an outage, at WARNING, then at FINE until a
   * save works again.
   */
  private void saveFailed(Path target, String why, Exception e) {
    boolean first = failingSaves.add(target);
    log(
        first ? Level.WARNING : Level.FINE,
        "could not save last-known-good rules to "
            + target
            + ": "
            + why
            + (first ? "; trying again with every change, logged again once a save works" : ""),
        logger.isLoggable(Level.FINE) ? e : null);
  }

  /**
   * The stored snapshot of {@code service}, validated, as a {@link
   * ActiveRules.Source#LAST_KNOWN_GOOD} snapshot with the revision it had; empty when there is none
   * or it is unusable (logged once).
   */
  public Optional<ActiveRules> load(String service) {
    return loadWithText(service).map(Loaded::rules);
  }

  /**
   * A loaded snapshot: its rules, and the document's text they were compiled from (the bytes the
   * snapshot holds, validated again), so that a source can save those rules back byte for byte.
   */
  record Loaded(ActiveRules rules, byte[] document) {}

  /** As {@link #load}, with the document's text. */
  Optional<Loaded> loadWithText(String service) {
    Found found = findBounded(service);
    if (found == null) {
      return Optional.empty();
    }
    Path path = found.path();
    byte[] bytes = found.bytes();
    boolean legacy = found.legacy();
    if (bytes.length > MAX_SNAPSHOT_BYTES) {
      refuse(path, "it is larger than a snapshot can be (" + MAX_SNAPSHOT_BYTES + " bytes)");
      return Optional.empty();
    }
    JsonNode root;
    try {
      root = MAPPER.readTree(bytes);
    } catch (IOException | RuntimeException e) {
      refuse(path, "it is not JSON");
      return Optional.empty();
    }
    if (root == null || !root.isObject() || root.path("format").asInt() != FORMAT) {
      refuse(path, "it is not a last-known-good snapshot of format " + FORMAT);
      return Optional.empty();
    }
    String savedFor = savedFor(root);
    if (savedFor != null && !savedFor.equals(service)) {
      // Where the file system ignores case, an older version's file of a service whose name
      // differs only in case answers to this name: not this service's snapshot, nor its problem.
      if (!savedFor.equalsIgnoreCase(service)) {
        refuse(
            path,
            "it was saved for the service '"
                + OneLineText.escape(savedFor)
                + "', not '"
                + OneLineText.escape(service)
                + "'");
      }
      return Optional.empty();
    }
    String refusedOrigin = origin.refusal(root);
    if (refusedOrigin != null) {
      refuse(path, refusedOrigin);
      return Optional.empty();
    }
    JsonNode revision = root.get("revision");
    if (revision == null || !revision.canConvertToLong() || revision.asLong() < 0) {
      refuse(path, "it has no valid revision");
      return Optional.empty();
    }
    JsonNode document = root.get("document");
    if (document == null || !document.isObject()) {
      refuse(path, "it holds no rule document");
      return Optional.empty();
    }
    byte[] text = storedText(bytes, document);
    DocumentCompiler.Outcome outcome =
        DocumentCompiler.compile(text, DocumentCompiler.documentsOf(service));
    if (!outcome.isValid()) {
      refuse(
          path,
          "its document is invalid: "
              + String.join("; ", outcome.errors().stream().map(Object::toString).toList()));
      return Optional.empty();
    }
    if (legacy) {
      moveToTodaysName(path, service);
    }
    return Optional.of(
        new Loaded(
            new ActiveRules(outcome.rules(), revision.asLong(), ActiveRules.Source.LAST_KNOWN_GOOD),
            text));
  }

  /** How long {@link #load} waits for the file system: the directory, then up to two reads. */
  static final Duration FIND_TIMEOUT = RegularFiles.TIMEOUT.multipliedBy(3);

  /**
   * How long a save or a delete waits for the file system. A local save takes milliseconds; this
   * much only passes on a hung file system.
   */
  static final Duration WRITE_TIMEOUT = FIND_TIMEOUT;

  /**
   * Runs {@code write} (a save or delete of {@code service}'s snapshot) on the directory's writing
   * thread ({@link SnapshotWriter}) and waits for it at most {@link #WRITE_TIMEOUT}: on a state
   * directory whose file system stopped answering (a home directory on a hard-mounted NFS whose
   * server went away) every call blocks in the kernel, and the caller, the rule source's own
   * thread, must go on applying rules. One thread writes at a time, so a hung directory holds one
   * thread, not one per change; what waits behind it is only each file's latest write (an older one
   * is dropped, answered false), done once the directory answers: the file then holds the latest
   * rules, not the first ones that hung. Answers whether the write was done in time and worked (a
   * save's result; true for a delete).
   */
  private boolean bounded(
      String service, String what, BooleanSupplier write, BooleanSupplier wanted) {
    Path target = file(service);
    SnapshotWriter.PendingWrite request =
        new SnapshotWriter.PendingWrite(write, new CompletableFuture<>());
    SnapshotWriter writer = SnapshotWriter.queue(directory, target, request, wanted);
    if (writer == null) {
      return false; // no longer wanted by the caller
    }
    if (writer.hung()) {
      // the writing thread is still blocked where an earlier write was given up on: waiting again
      // would cost every change the whole bound
      log(
          Level.FINE,
          "last-known-good rules "
              + target
              + ": the state directory still does not answer; the "
              + what
              + " waits for it",
          null);
      return false;
    }
    try {
      return request.done().get(WRITE_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      onWaitGivenUp.run();
      if (request.done().isDone()) {
        // the write ended as the wait did: no hang, and nothing for later writes to wait out
        return request.done().getNow(false);
      }
      // the write the thread is in (this one, or one before it that holds it): later writes return
      // at once until the thread ends it, whatever the thread did while this caller gave up
      writer.givenUp();
      givenUp.add(target);
      // like a failing save: once per streak, and the save that works again says so
      boolean first = failingSaves.add(target);
      log(
          first ? Level.WARNING : Level.FINE,
          "could not "
              + what
              + " last-known-good rules "
              + target
              + ": the state directory "
              + directory
              + " did not answer within "
              + WRITE_TIMEOUT.toMillis()
              + " ms: a hung file system; the rules in force stay, and the latest are written"
              + " once it answers",
          null);
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Error error) {
        throw error;
      }
      throw (RuntimeException) e.getCause();
    }
  }

  /** Whether a writing thread is running (tests wait for it to end). */
  boolean writerRunning() {
    return SnapshotWriter.running(directory);
  }

  /** Runs {@code hook} each time a caller gives up waiting for a write (tests only). */
  void onWaitGivenUp(Runnable hook) {
    this.onWaitGivenUp = Objects.requireNonNull(hook, "hook");
  }

  /**
   * Runs {@code hook} on the writing thread each time a save or delete starts its file-system work
   * (tests only).
   */
  void onFileSystemWork(Runnable hook) {
    this.onFileSystemWork = Objects.requireNonNull(hook, "hook");
  }

  /** Runs {@code hook} each time a save's snapshot text is made, before it is (tests only). */
  void onSnapshotText(Runnable hook) {
    this.onSnapshotText = Objects.requireNonNull(hook, "hook");
  }

  /** Forces the directory after each rename with {@code sync} (tests only). */
  void directorySync(DirectorySync sync) {
    this.directorySync = Objects.requireNonNull(sync, "sync");
  }

  /** A snapshot's bytes as read from {@code path}, an older version's name when {@code legacy}. */
  private record Found(Path path, byte[] bytes, boolean legacy) {}

  /**
   * {@link #find} on a daemon thread of its own, waited for at most {@link #FIND_TIMEOUT}: the
   * sweep for stale temporary files and the directory's checks block in the kernel as the read does
   * on a hung file system (a home directory on a hard-mounted NFS whose server went away), and the
   * caller, an agent starting, must not wait for ever. Null (logged) when it did not answer.
   */
  private Found findBounded(String service) {
    CompletableFuture<Found> found = new CompletableFuture<>();
    Thread finder =
        new Thread(
            () -> {
              try {
                found.complete(find(service));
              } catch (RuntimeException | Error e) {
                found.completeExceptionally(e);
              }
            },
            "sluice-load-snapshot");
    finder.setDaemon(true);
    finder.start();
    try {
      return found.get(FIND_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      refuse(
          file(service),
          "the state directory "
              + directory
              + " did not answer within "
              + FIND_TIMEOUT.toMillis()
              + " ms: a hung file system");
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Error error) {
        throw error;
      }
      throw (RuntimeException) e.getCause();
    }
  }

  /** The snapshot's bytes, or null (logged when it matters) when there is none to use. */
  private Found find(String service) {
    sweepOnce();
    Path path = file(service);
    try {
      securePrivateRoot();
    } catch (UnsafeStateDirectoryException e) {
      refuse(path, e.getMessage());
      return null;
    } catch (IOException | RuntimeException e) {
      // nothing there to read, or unreadable: the read below says so if it matters
    }
    try {
      return new Found(path, readSnapshot(path), false);
    } catch (NoSuchFileException e) {
      // Java 25 reads under a file in the directory's place as no such file, 17 "Not a directory"
      String problem = directoryIsAFile() ? directoryProblem(e, false) : null;
      if (problem != null) {
        refuse(path, problem);
        return null;
      }
      Path legacy = names.legacyFile(service);
      byte[] bytes = legacy == null ? null : readLegacy(legacy, service);
      return bytes == null ? null : new Found(legacy, bytes, true);
    } catch (IOException | RuntimeException e) {
      String problem = directoryProblem(e, false);
      refuse(path, problem != null ? problem : "it could not be read (" + e + ")");
      return null;
    }
  }

  /**
   * Gives the snapshot an older version saved under {@code legacy} (capitals kept) today's name,
   * once it loaded: an agent that starts on it and runs it (etcd away, or answering with nothing
   * newer to save) would otherwise read the old name at every start until a document is applied.
   * The snapshot is kept as it is; a file saved under today's name meanwhile wins, and the old one
   * goes.
   */
  private void moveToTodaysName(Path legacy, String service) {
    try {
      Files.move(legacy, file(service));
    } catch (FileAlreadyExistsException saved) {
      deleteQuietly(legacy);
    } catch (IOException | RuntimeException e) {
      // read-only state directory: the old name still loads
      log(Level.FINE, "could not rename " + legacy + " to " + file(service), e);
    }
  }

  /**
   * The stored document's text, validated as it was when applied: the bytes saved (see {@link
   * SnapshotText}). An older version saved the canonical form pretty-printed, which can be larger
   * than a document may be: such a text is read written compactly, as that version did.
   */
  private static byte[] storedText(byte[] snapshot, JsonNode document) {
    byte[] text = SnapshotText.documentText(snapshot);
    return text != null && text.length <= RuleCodec.MAX_DOCUMENT_BYTES
        ? text
        : document.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The snapshot an older version saved under {@code legacy}, if it is {@code service}'s: where the
   * file system ignores case, that name may hold another service's snapshot (one whose name differs
   * only in case), which is not this service's to refuse or log. Null when absent or unreadable:
   * today's file, saved at the next applied document, takes over.
   */
  private static byte[] readLegacy(Path legacy, String service) {
    try {
      byte[] bytes = readSnapshot(legacy);
      return bytes.length <= MAX_SNAPSHOT_BYTES && service.equals(savedFor(MAPPER.readTree(bytes)))
          ? bytes
          : null;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /**
   * Whether the file at {@code path} is not another service's snapshot: it names {@code service},
   * names none, or cannot be read as one (then it is this name's garbage). Where the file system
   * ignores case, this name may find an older version's file of a service differing only in case.
   */
  private static boolean notAnotherServices(Path path, String service) {
    try {
      byte[] bytes = readSnapshot(path);
      String savedFor = bytes.length > MAX_SNAPSHOT_BYTES ? null : savedFor(MAPPER.readTree(bytes));
      return savedFor == null || savedFor.equals(service);
    } catch (IOException | RuntimeException e) {
      return true;
    }
  }

  /**
   * A snapshot file's bytes, at most one more than {@link #MAX_SNAPSHOT_BYTES}; only a regular file
   * is opened (see {@link RegularFiles}).
   */
  private static byte[] readSnapshot(Path path) throws IOException {
    return RegularFiles.readAtMost(path, MAX_SNAPSHOT_BYTES);
  }

  /** The service a snapshot was saved for, or null when it names none (or is no object). */
  private static String savedFor(JsonNode root) {
    return root == null ? null : root.path("service").textValue();
  }

  /** Deletes the file an older version saved for {@code service}, if there is one and it is its. */
  private void deleteLegacy(String service) {
    Path legacy = names.legacyFile(service);
    if (legacy != null && readLegacy(legacy, service) != null) {
      deleteQuietly(legacy);
    }
  }

  /**
   * Deletes {@code service}'s snapshot, e.g. after its documents were deleted in etcd. Bounded as
   * {@link #save(String, ActiveRules, byte[])} is.
   */
  public void delete(String service) {
    delete(service, ALWAYS);
  }

  /**
   * As {@link #delete(String)}, not done when {@code wanted} answers false as the delete is queued
   * (see {@link #save(String, ActiveRules, byte[], BooleanSupplier)}).
   */
  void delete(String service, BooleanSupplier wanted) {
    bounded(
        service,
        "delete",
        () -> {
          deleteNow(service);
          return true;
        },
        wanted);
  }

  /** {@link #delete}'s file-system work, on the writing thread. */
  private void deleteNow(String service) {
    onFileSystemWork.run();
    Path path = file(service);
    if (!Files.isDirectory(directory)) {
      givenUp.remove(path);
      return; // no directory, no snapshot (a directory that is a file is said by save and load)
    }
    // an older version's file for this service would otherwise bring the deleted rules back
    deleteLegacy(service);
    boolean done = !notAnotherServices(path, service) || deleteQuietly(path);
    // a delete given up on as the directory hung was warned of as a save is: its end is said too,
    // and only that (a save failing for another reason fails again at the next save). Read once
    // the directory answered: the caller gives up while this thread is in the work above.
    boolean hungBefore = givenUp.remove(path);
    if (hungBefore && done && failingSaves.remove(path)) {
      log(Level.INFO, "deleting last-known-good rules " + path + " works again", null);
    }
  }

  /** Deletes {@code path} if it is there; false (logged) when it could not be deleted. */
  private static boolean deleteQuietly(Path path) {
    try {
      Files.deleteIfExists(path);
      return true;
    } catch (IOException | RuntimeException e) {
      log(Level.WARNING, "could not delete last-known-good rules " + path + ": " + e, null);
      return false;
    }
  }

  /**
   * Why a snapshot could not be read or written, naming the state directory and its setting when
   * the directory is the problem: Java's own exception names only a path ("NoSuchFileException:
   * /proc/sluice" for a directory that cannot be created, "FileAlreadyExistsException: ..." or "Not
   * a directory" for a file in its place, "AccessDeniedException: .../.rules-orders-1.tmp" for one
   * this user may not write to, said only when {@code writing}). {@code null} when the directory is
   * not the problem.
   */
  private String directoryProblem(Exception e, boolean writing) {
    String state = "the state directory " + directory + " (" + stateDirSetting + ")";
    try {
      if (directoryIsAFile()) {
        return state + " is a file, not a directory";
      }
      if (!Files.isDirectory(directory)) {
        return state + " does not exist and could not be created (" + e + ")";
      }
      if (writing && (e instanceof AccessDeniedException || !Files.isWritable(directory))) {
        return state + " is not writable by this user (" + e + ")";
      }
    } catch (RuntimeException unreadable) {
      // a security manager: say what the save or load said
    }
    return null;
  }

  /** Whether a file (not a directory) stands where the state directory should be. */
  private boolean directoryIsAFile() {
    try {
      return Files.exists(directory) && !Files.isDirectory(directory);
    } catch (RuntimeException unreadable) {
      return false; // a security manager: the read or write says what it says
    }
  }

  /** Removes the temporary files crashed saves left behind, the first time the store is used. */
  private void sweepOnce() {
    if (!swept.compareAndSet(false, true)) {
      return;
    }
    int removed = 0;
    try (DirectoryStream<Path> temporaries = Files.newDirectoryStream(directory, TEMPORARY_FILES)) {
      // in the try: a clock that fails costs the sweep, never the load it comes before
      Instant staleBefore = clock.instant().minus(STALE_TEMPORARY_FILE_AGE);
      for (Path temporary : temporaries) {
        try {
          BasicFileAttributes attributes =
              Files.readAttributes(temporary, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
          if (attributes.isRegularFile()
              && attributes.lastModifiedTime().toInstant().isBefore(staleBefore)
              && Files.deleteIfExists(temporary)) {
            removed++;
          }
        } catch (IOException | RuntimeException e) {
          log(Level.FINE, "could not remove the stale temporary file " + temporary, e);
        }
      }
    } catch (NoSuchFileException e) {
      return; // nothing saved yet
    } catch (IOException | RuntimeException e) {
      log(Level.FINE, "could not look for stale temporary files in " + directory, e);
    }
    if (removed > 0) {
      log(
          Level.INFO,
          "removed "
              + removed
              + " temporary file(s) that interrupted last-known-good saves left in "
              + directory,
          null);
    }
  }

  /**
   * Logs a line of the store's, never throwing: a log handler that fails (a full disk, a broken
   * appender) must not cost an agent its last-known-good rules at start, nor a save or delete.
   */
  private static void log(Level level, String line, Throwable thrown) {
    QuietLog.write(logger, level, line, thrown);
  }

  private void refuse(Path path, String why) {
    log(
        Level.WARNING,
        "refusing last-known-good rules "
            + path
            + ": "
            + why
            + "; the built-in defaults apply"
            + (withoutEtcd ? "" : " until etcd answers"),
        null);
  }

  /** Builds a {@link LastKnownGoodStore}; {@link #build()} does no I/O. */
  public static final class Builder {
    private final Path directory;
    private String namespace = EtcdKeys.DEFAULT_NAMESPACE;
    private Set<String> etcdEndpoints = Set.of();
    private Clock clock = Clock.systemUTC();
    private Path privateRoot;
    private String stateDirSetting = STATE_DIR_KEY;
    private boolean withoutEtcd;

    private Builder(Path directory) {
      this.directory = Objects.requireNonNull(directory, "directory");
    }

    /**
     * The etcd namespace ({@code sluice.etcd.namespace}) the rules come from, default {@code
     * /sluice}; snapshots of other namespaces are never loaded.
     */
    public Builder namespace(String namespace) {
      this.namespace = new EtcdKeys(Objects.requireNonNull(namespace, "namespace")).namespace();
      return this;
    }

    /**
     * The etcd endpoints the rules come from, recorded with every save; a snapshot saved from
     * endpoints none of which is among these is not loaded. Default none: nothing recorded, any
     * snapshot of the namespace loaded.
     */
    public Builder etcdEndpoints(Collection<URI> endpoints) {
      // sorted and made unmodifiable by SnapshotOrigin
      Set<String> keys = new HashSet<>();
      for (URI endpoint : Objects.requireNonNull(endpoints, "endpoints")) {
        keys.add(SnapshotOrigin.endpointKey(Objects.requireNonNull(endpoint, "endpoint")));
      }
      this.etcdEndpoints = keys;
      return this;
    }

    /**
     * A directory at or above the store's that must stay this user's own: the fallback under the
     * temporary directory ({@link TemporaryStateDirectory#containing}). Every load and save checks
     * it with {@link TemporaryStateDirectory#secure} (re-created owner-only if a cleaner removed
     * it); a load refuses a snapshot under one that is not private, a save fails as any other. One
     * that is this user's and writable by no one else, but cannot be set to {@code rwx------} (a
     * read-only mount), is used, said in one WARNING. Default none: nothing checked.
     */
    public Builder privateRoot(Path root) {
      this.privateRoot = Objects.requireNonNull(root, "root");
      return this;
    }

    /**
     * How log lines about the directory name the setting it came from, default {@code
     * sluice.state.dir}: {@code environment variable SLUICE_STATE_DIR} for one set there, so the
     * user looks where they set it.
     */
    public Builder stateDirSetting(String setting) {
      this.stateDirSetting = Objects.requireNonNull(setting, "setting");
      return this;
    }

    /**
     * Says that no etcd will be asked for rules before a restart (none is configured, or its client
     * could not be made): a refused snapshot then leaves the built-in defaults in force, said as
     * such, not "until etcd answers".
     */
    public Builder withoutEtcd() {
      this.withoutEtcd = true;
      return this;
    }

    /** The clock that stamps saves and tells when a temporary file is stale. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** The store. */
    public LastKnownGoodStore build() {
      return new LastKnownGoodStore(this);
    }
  }
}
