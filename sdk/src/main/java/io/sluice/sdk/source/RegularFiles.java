package io.sluice.sdk.source;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Reads the local files rules come from (a rules file, a last-known-good snapshot) without letting
 * what is found at their path stall or swamp the app. Only a regular file is read: opening a named
 * pipe or a device ({@code /dev/stdin}) would block until something writes to it, with the rules'
 * start and the app's shutdown waiting. And no more is read than such a file can sensibly hold.
 *
 * <p>Design note: a pipe put in the file's place after its type was checked. Plain Java has no
 * {@code O_NONBLOCK} open option and no {@code fstat}: an open of a pipe nobody writes to blocks in
 * the kernel, and no interrupt ends it ({@code NOFOLLOW_LINKS} and {@code
 * SecureDirectoryStream.newByteChannel} block all the same; opening for reading and writing, which
 * does not block on Linux, needs a write permission a read-only mount does not give). So:
 *
 * <ol>
 *   <li>The path's type is checked first, so a pipe that is simply there is never opened.
 *   <li>The open runs on a short-lived daemon thread of its own, and the caller waits for it at
 *       most {@link #OPEN_TIMEOUT}: a pipe swapped in between check and open costs the caller that
 *       long, then an {@link IOException}; the open thread stays blocked until something opens the
 *       pipe for writing (it is a daemon: it never keeps the JVM alive), then closes what it
 *       opened.
 *   <li>At most one abandoned open per path and file: while it is still blocked, a read of the same
 *       file (same {@link BasicFileAttributes#fileKey()}) is refused at once instead of leaving one
 *       more blocked thread behind on every poll of a hung network file system. A different file at
 *       the path (the swapped pipe replaced by a new rules file) is opened as usual.
 *   <li>The opened channel must be seekable: a regular file is, a pipe, socket or terminal is not
 *       ({@code lseek} fails with {@code ESPIPE}), so a pipe that opened at once, because something
 *       holds it open for writing, is refused before a read could block on it. A seekable device
 *       ({@code /dev/zero}) never blocks a read, and no more than the limit is read from it.
 * </ol>
 */
final class RegularFiles {

  /**
   * How long a caller waits for the open of a file whose path was a regular file. A local file
   * opens in microseconds; this much only passes for a pipe swapped in, or a hung network file
   * system.
   */
  static final Duration OPEN_TIMEOUT = Duration.ofSeconds(1);

  /**
   * The opens given up on that may still be blocked, by path. Process-wide on purpose: the threads
   * they leave behind are the process's, whichever source read the path.
   */
  private static final ConcurrentMap<Path, Abandoned> abandoned = new ConcurrentHashMap<>();

  private RegularFiles() {}

  /**
   * The file's bytes, at most {@code limit + 1} of them: more than {@code limit} says the file is
   * too large without reading all of it.
   *
   * @throws NoSuchFileException when nothing is there
   * @throws IOException when what is there is not a regular file, cannot be read, or does not open
   *     within {@link #OPEN_TIMEOUT}
   */
  static byte[] readAtMost(Path file, int limit) throws IOException {
    return readAtMost(file, limit, () -> {});
  }

  /**
   * As {@link #readAtMost(Path, int)}, running {@code betweenCheckAndOpen} in the window between
   * the path's type check and the open: a seam for tests that swap the file there.
   */
  static byte[] readAtMost(Path file, int limit, BetweenCheckAndOpen betweenCheckAndOpen)
      throws IOException {
    if (!Files.isRegularFile(file)) {
      if (Files.notExists(file)) {
        throw new NoSuchFileException(file.toString());
      }
      throw notRegular();
    }
    Path key = file.toAbsolutePath().normalize();
    Object fileKey = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
    Abandoned earlier = abandoned.get(key);
    if (earlier != null && earlier.blocks(fileKey)) {
      throw new IOException(
          "an earlier open of this file, given up on after "
              + OPEN_TIMEOUT.toMillis()
              + " ms, is still blocked (a hung file system, or a pipe put in its place): not"
              + " opened again until that open ends");
    }
    betweenCheckAndOpen.run();
    try (FileChannel channel = openWithin(file, OPEN_TIMEOUT, key, fileKey)) {
      try {
        channel.position();
      } catch (IOException e) {
        throw notRegular(); // ESPIPE: a pipe, socket or terminal
      }
      return Channels.newInputStream(channel).readNBytes(limit + 1);
    }
  }

  private static IOException notRegular() {
    return new IOException("not a regular file (a directory, pipe or device)");
  }

  /**
   * {@code file} opened for reading on a thread of its own, or an {@link IOException} when that
   * takes longer than {@code timeout}; the open thread then closes the channel should it still
   * open. An open given up on is kept in {@link #abandoned} under {@code key} until it ends.
   */
  private static FileChannel openWithin(Path file, Duration timeout, Path key, Object fileKey)
      throws IOException {
    CompletableFuture<FileChannel> opened = new CompletableFuture<>();
    Abandoned ifGivenUp = new Abandoned(fileKey, new CompletableFuture<>());
    Thread opener =
        new Thread(
            () -> {
              try {
                FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
                if (!opened.complete(channel)) {
                  closeQuietly(channel); // the caller gave up on it
                }
              } catch (IOException | RuntimeException | Error e) {
                opened.completeExceptionally(e);
              } finally {
                // ended before removed: a caller putting it after this removal sees it ended
                ifGivenUp.ended().complete(null);
                abandoned.remove(key, ifGivenUp);
              }
            },
            "sluice-open-file");
    opener.setDaemon(true);
    opener.start();
    try {
      opened.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      if (giveUp(opened)) {
        abandon(key, ifGivenUp);
        throw new IOException(
            "did not open within "
                + timeout.toMillis()
                + " ms: a pipe put in its place, or a hung file system");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      if (giveUp(opened)) {
        abandon(key, ifGivenUp);
      } else if (!opened.isCompletedExceptionally()) {
        closeQuietly(opened.join()); // opened in the meantime, and not to be read
      }
      throw new InterruptedIOException("interrupted while opening " + file);
    } catch (ExecutionException e) {
      // taken below
    }
    return taken(opened);
  }

  /** Keeps an open given up on until its thread says it ended (which may already be). */
  private static void abandon(Path key, Abandoned open) {
    abandoned.put(key, open);
    if (open.ended().isDone()) {
      abandoned.remove(key, open); // ended before the put: its own removal came too early
    }
  }

  /** What a completed open brought: the channel, or what the open threw. */
  private static FileChannel taken(CompletableFuture<FileChannel> opened) throws IOException {
    try {
      return opened.join();
    } catch (CompletionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException io) {
        throw io;
      }
      if (cause instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw (Error) cause;
    }
  }

  /** Whether the caller gave up before the open ended; false when the channel is there to take. */
  private static boolean giveUp(CompletableFuture<FileChannel> opened) {
    return opened.completeExceptionally(new IOException("abandoned"));
  }

  /**
   * An open given up on: {@code fileKey} is the file the path was when it was tried (null where the
   * file system has none), {@code ended} completes when the open returns or fails.
   */
  private record Abandoned(Object fileKey, CompletableFuture<Void> ended) {

    /** Whether this open, still blocked, refuses a new open of the file known as {@code key}. */
    boolean blocks(Object key) {
      return !ended.isDone() && Objects.equals(fileKey, key);
    }
  }

  private static void closeQuietly(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException ignored) {
      // nothing was read from it
    }
  }

  /**
   * What runs between the type check and the open; see {@link #readAtMost(Path, int,
   * BetweenCheckAndOpen)}.
   */
  @FunctionalInterface
  interface BetweenCheckAndOpen {
    void run() throws IOException;
  }
}
