package io.sluice.controlplane.etcd;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The lock on {@link #LOCK_FILE} in an embedded etcd's data directory, which says a control plane
 * keeps its etcd's data there: one control plane at a time. A second one started with the same
 * {@code sluice.state.dir} is refused at once ({@link #take}), where etcd itself would wait for its
 * database's lock and never answer. Closing it releases the lock, then lets this JVM take it again.
 *
 * @param key the data directory's real path
 * @param channel the open lock file, whose lock this process holds
 */
record DataDirectoryLock(Path key, FileChannel channel) implements Closeable {

  /** The file whose lock says a control plane keeps its embedded etcd's data in the directory. */
  static final String LOCK_FILE = "control-plane.lock";

  /**
   * The data directories whose {@link #LOCK_FILE} this JVM holds, by real path. The lock is a POSIX
   * record lock, which belongs to the process: closing any channel on the file releases it, even a
   * channel whose own {@code tryLock} failed. So a second start in this JVM on a directory it holds
   * is refused before it opens the file, rather than free the directory for other processes when it
   * closes its channel.
   */
  private static final Set<Path> LOCKED_HERE = ConcurrentHashMap.newKeySet();

  /** How a lock is tried: {@link FileChannel#tryLock()}, or a file system's refusal (tests). */
  @FunctionalInterface
  interface LockAttempt {
    /** The lock, or {@code null} when another process holds it. */
    FileLock tryLock(FileChannel channel) throws IOException;
  }

  /**
   * Locks {@link #LOCK_FILE} in {@code dataDir} until the returned lock is closed.
   *
   * @throws IllegalStateException when another control plane holds it, in this JVM or another, or
   *     when the file system cannot lock files at all (saying which)
   */
  static DataDirectoryLock take(Path dataDir, LockAttempt attempt) throws IOException {
    Path file = dataDir.resolve(LOCK_FILE);
    Path key = dataDir.toRealPath();
    if (!LOCKED_HERE.add(key)) {
      throw inUse(dataDir, file); // no channel opened: closing it would free the one held
    }
    FileChannel channel = null;
    try {
      channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock held;
      try {
        held = attempt.tryLock(channel);
      } catch (OverlappingFileLockException e) {
        held = null; // held by this JVM, outside this class
      } catch (IOException e) {
        // not "held by another": the file system refused to lock at all (ENOLCK on an NFS mount
        // without a lock manager), which no waiting or stopping another control plane mends
        throw cannotLock(dataDir, file, e);
      }
      if (held == null) {
        throw inUse(dataDir, file);
      }
      return new DataDirectoryLock(key, channel);
    } catch (IOException | RuntimeException e) {
      try {
        if (channel != null) {
          channel.close();
        }
      } finally {
        LOCKED_HERE.remove(key);
      }
      throw e;
    }
  }

  private static IllegalStateException inUse(Path dataDir, Path file) {
    return new IllegalStateException(
        "the embedded etcd's data in "
            + dataDir
            + " is in use by another control plane (it holds "
            + file
            + "): stop that one, or give this one a sluice.state.dir of its own, or"
            + " sluice.etcd.endpoints");
  }

  private static IllegalStateException cannotLock(Path dataDir, Path file, IOException cause) {
    return new IllegalStateException(
        "the embedded etcd's data cannot be kept in "
            + dataDir
            + ": its file system cannot lock "
            + file
            + " ("
            + cause.getMessage()
            + "), as on a network file system without locking, so the directory cannot be kept to"
            + " this control plane (this is not another control plane holding it): give this one a"
            + " sluice.state.dir on a local file system, or sluice.etcd.endpoints",
        cause);
  }

  @Override
  public void close() throws IOException {
    try {
      channel.close();
    } finally {
      LOCKED_HERE.remove(key);
    }
  }
}
