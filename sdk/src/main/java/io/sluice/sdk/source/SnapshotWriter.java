package io.sluice.sdk.source;

import io.sluice.sdk.QuietLog;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The one thread that writes a state directory's last-known-good snapshots in this JVM, whichever
 * {@link LastKnownGoodStore} asks: an SDK user who closes and rebuilds its rules, or two in one
 * JVM, has two stores on one directory, and with a thread each an old store's write held up by the
 * file system could land after a newer store's, leaving the file with older rules than the newest
 * applied. Here every write of a directory goes through one queue, so a file's writes are done in
 * the order they were asked for and the newest one asked for is the last one done.
 *
 * <p>The queue holds only each file's latest write not yet taken (an older one is dropped, answered
 * false): a hung directory holds one thread, whatever waits behind it is at most one write per
 * file. The thread is started with the first write and ends when none is left; the directory's
 * entry goes with it, so directories no longer written to keep nothing. This is JVM-wide state on
 * purpose: a directory is the file system's, shared by every store that names it. Directories and
 * their files are told apart by their absolute, normalized path (no I/O: a link to another's
 * directory is another directory here).
 *
 * <p>When the thread cannot be started (the JVM is out of native threads), the writes waiting for
 * it are answered false at once, the directory's entry goes, and the next write tries again; one
 * warning says so until a thread starts again.
 */
final class SnapshotWriter {

  private static final Logger logger = Logger.getLogger(SnapshotWriter.class.getName());

  private static final ThreadFactory THREADS =
      task -> {
        Thread thread = new Thread(task, "sluice-save-snapshot");
        thread.setDaemon(true);
        return thread;
      };

  // guards WRITERS, startFailing and every writer's pending and writing
  private static final Object LOCK = new Object();
  private static final Map<Path, SnapshotWriter> WRITERS = new HashMap<>();
  // whether the last start of a writer's thread failed (warned of once until one starts)
  private static boolean startFailing;

  private final Path directory;
  // each file's latest write not yet taken by the thread
  private final Map<Path, PendingWrite> pending = new LinkedHashMap<>();
  private boolean writing;
  // numbers the thread's writes, from 1; written by the thread only
  private long writesStarted;
  // the number of the write the thread is in, 0 while it is in none
  private volatile long writeInProgress;
  // the number of the write a caller gave up waiting for; see hung()
  private volatile long givenUpOn;

  private SnapshotWriter(Path directory) {
    this.directory = directory;
  }

  /**
   * Queues {@code write} of {@code file} in {@code directory}'s writer, dropping (answered false)
   * the file's write still waiting, and starts the writer's thread if it is not running; does
   * nothing when {@code wanted} answers false. {@code wanted} is asked under the lock every write
   * of every directory is queued under: a caller that stops wanting a writer's writes (a rule
   * source whose close() gave up on its thread) and only then has a newer write queued (the source
   * that replaced it) never sees the older write queued after the newer one.
   *
   * @return the writer the write waits in, or null when the write was not wanted
   */
  static SnapshotWriter queue(
      Path directory, Path file, PendingWrite write, BooleanSupplier wanted) {
    return queue(directory, file, write, wanted, THREADS);
  }

  /**
   * {@link #queue(Path, Path, PendingWrite, BooleanSupplier)} with its threads from {@code
   * threads}.
   */
  static SnapshotWriter queue(
      Path directory,
      Path file,
      PendingWrite write,
      BooleanSupplier wanted,
      ThreadFactory threads) {
    Path key = key(directory);
    // told apart as the directory is: a file spelled otherwise is still that file
    Path fileKey = key(file);
    SnapshotWriter writer;
    PendingWrite superseded;
    boolean start;
    synchronized (LOCK) {
      if (!wanted.getAsBoolean()) {
        return null;
      }
      writer = WRITERS.computeIfAbsent(key, SnapshotWriter::new);
      superseded = writer.pending.put(fileKey, write);
      start = !writer.writing;
      writer.writing = true;
    }
    if (superseded != null) {
      superseded.done().complete(false);
    }
    if (start) {
      writer.start(threads);
    }
    return writer;
  }

  /**
   * Starts the thread; if that fails, answers false to the writes waiting for it and leaves the
   * directory without a writer, so the next write starts one again instead of waiting for a thread
   * that never ran (and being taken for a hung file system).
   */
  private void start(ThreadFactory threads) {
    Throwable failure;
    try {
      Thread thread = threads.newThread(this::writePending);
      if (thread == null) {
        throw new IllegalStateException("the thread factory refused a thread");
      }
      thread.start();
      boolean wasFailing;
      synchronized (LOCK) {
        wasFailing = startFailing;
        startFailing = false;
      }
      if (wasFailing) {
        // quietly: a handler that threw here would pass for a thread that did not start
        QuietLog.write(
            logger,
            Level.INFO,
            "writing last-known-good rules: a writing thread starts again",
            null);
      }
      return;
    } catch (RuntimeException | Error e) {
      failure = e;
    }
    List<PendingWrite> dropped;
    boolean first;
    synchronized (LOCK) {
      dropped = new ArrayList<>(pending.values());
      pending.clear();
      writing = false;
      WRITERS.remove(directory, this);
      first = !startFailing;
      startFailing = true;
    }
    QuietLog.write(
        logger,
        first ? Level.WARNING : Level.FINE,
        "could not start the thread that writes last-known-good rules in "
            + directory
            + " ("
            + failure
            + "); the rules in force stay, those writes are not done, and the next one tries again"
            + (first ? " (logged again once a thread starts)" : ""),
        null);
    for (PendingWrite write : dropped) {
      write.done().complete(false);
    }
  }

  /** Whether a writer's thread is running for {@code directory} (tests wait for it to end). */
  static boolean running(Path directory) {
    synchronized (LOCK) {
      SnapshotWriter writer = WRITERS.get(key(directory));
      return writer != null && writer.writing;
    }
  }

  private static Path key(Path path) {
    return path.toAbsolutePath().normalize();
  }

  /** The thread: every pending write, oldest file first, until none is left. */
  private void writePending() {
    while (true) {
      PendingWrite next;
      synchronized (LOCK) {
        Iterator<PendingWrite> oldest = pending.values().iterator();
        if (!oldest.hasNext()) {
          writing = false;
          WRITERS.remove(directory, this);
          return;
        }
        next = oldest.next();
        oldest.remove();
      }
      writeInProgress = ++writesStarted;
      try {
        next.done().complete(next.write().getAsBoolean());
      } catch (RuntimeException | Error e) {
        next.done().completeExceptionally(e);
      } finally {
        writeInProgress = 0;
      }
    }
  }

  /**
   * Notes that a caller gave up waiting for the write the thread is in (its own, or one before it
   * that holds the thread): {@link #hung()} until the thread ends that write.
   */
  void givenUp() {
    givenUpOn = writeInProgress;
  }

  /**
   * Whether the thread is still in the write a caller gave up waiting for. Read from the thread's
   * own state: its ending that write ends the hang, even when it ended it as the caller gave up.
   */
  boolean hung() {
    long inProgress = writeInProgress;
    return inProgress != 0 && inProgress == givenUpOn;
  }

  /** A save or delete waiting for the thread, and its outcome. */
  record PendingWrite(BooleanSupplier write, CompletableFuture<Boolean> done) {}
}
