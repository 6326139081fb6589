package io.sluice.sdk.source;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Locale;
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
 * <p>Design note: every file-system call can block in the kernel, and no interrupt ends it. A hard
 * mounted network file system that stopped answering blocks the attribute read once its attribute
 * cache expired, and the open and the read with it; an open of a pipe nobody writes to blocks until
 * a writer comes. Plain Java has no {@code O_NONBLOCK} open option and no {@code fstat} ({@code
 * NOFOLLOW_LINKS} and {@code SecureDirectoryStream.newByteChannel} block all the same; opening for
 * reading and writing, which does not block on Linux, needs a write permission a read-only mount
 * does not give). So:
 *
 * <ol>
 *   <li>The whole read (the attributes and type check, the open, the seek check, the read) runs on
 *       a short-lived daemon thread of its own, and the caller waits for it at most {@link
 *       #TIMEOUT}, and then for as long as the file's bytes keep coming with no gap of that length:
 *       a hung file system or a pipe swapped in costs the caller that long, then an {@link
 *       IOException} naming the step that hung, while a large file on a slow but working mount is
 *       read to its end. The thread stays blocked until the call ends (it is a daemon: it never
 *       keeps the JVM alive), then does no more: a read given up on in its attribute read opens
 *       nothing, one given up on in its open closes what it opened.
 *   <li>The path's type is checked first, so a pipe that is simply there is never opened.
 *   <li>At most one abandoned read per path and file: while one is still blocked, a read of the
 *       same file (same {@link BasicFileAttributes#fileKey()}) is refused at once instead of
 *       leaving one more blocked thread behind on every poll. One given up on before its attribute
 *       read answered is kept under the path alone: until it ends, every read of the path is
 *       refused before a thread is started, since a new attribute read would hang as it does. So a
 *       path keeps at most one thread blocked on its attributes, plus one per file found there
 *       whose open or read hung; a different file at the path (the swapped pipe replaced by a new
 *       rules file) is read as usual.
 *   <li>The opened channel must be seekable: a regular file is, a pipe, socket or terminal is not
 *       ({@code lseek} fails with {@code ESPIPE}), so a pipe that opened at once, because something
 *       holds it open for writing, is refused before a read could block on it. A seekable device
 *       ({@code /dev/zero}) never blocks a read, and no more than the limit is read from it.
 * </ol>
 */
final class RegularFiles {

  /**
   * How long a caller waits for a file's check, open and read. A local file takes microseconds;
   * this much only passes for a pipe swapped in, or a hung network file system.
   */
  static final Duration TIMEOUT = Duration.ofSeconds(1);

  /** How much is read at a time: the wait for a read goes on while chunks keep coming. */
  private static final int CHUNK = 64 * 1024;

  /** The file key of a read given up on before its attribute read answered. */
  private static final Object NOT_YET_KNOWN = new Object();

  /**
   * The reads given up on that may still be blocked, by path and file. Process-wide on purpose: the
   * threads they leave behind are the process's, whichever source read the path.
   */
  private static final ConcurrentMap<FileAtPath, Read> abandoned = new ConcurrentHashMap<>();

  private RegularFiles() {}

  /**
   * The file's bytes, at most {@code limit + 1} of them: more than {@code limit} says the file is
   * too large without reading all of it.
   *
   * @throws NoSuchFileException when nothing is there
   * @throws IOException when what is there is not a regular file, cannot be read, is not opened
   *     within {@link #TIMEOUT}, or gives no bytes for as long while read
   */
  static byte[] readAtMost(Path file, int limit) throws IOException {
    return readAtMost(file, limit, () -> {}, () -> {});
  }

  /**
   * As {@link #readAtMost(Path, int)}, running {@code betweenCheckAndOpen} on the reading thread in
   * the window between the path's type check and the open: a seam for tests that swap the file
   * there.
   */
  static byte[] readAtMost(Path file, int limit, BetweenCheckAndOpen betweenCheckAndOpen)
      throws IOException {
    return readAtMost(file, limit, betweenCheckAndOpen, () -> {});
  }

  /**
   * As {@link #readAtMost(Path, int, BetweenCheckAndOpen)}, running {@code afterChunk} on the
   * reading thread after each chunk read: a seam for tests that make the read slow.
   */
  static byte[] readAtMost(
      Path file, int limit, BetweenCheckAndOpen betweenCheckAndOpen, Runnable afterChunk)
      throws IOException {
    Path path = file.toAbsolutePath().normalize(); // no file-system call: the working dir is known
    Read earlier = abandoned.get(new FileAtPath(path, NOT_YET_KNOWN));
    if (earlier != null && earlier.blocked()) {
      throw new IOException(
          "an earlier read of this path, given up on after "
              + TIMEOUT.toMillis()
              + " ms, is still blocked reading its attributes (a hung file system): not read"
              + " again until that read ends");
    }
    Read read = new Read(file, path, limit, betweenCheckAndOpen, afterChunk);
    Thread reader = new Thread(read::run, "sluice-read-file");
    reader.setDaemon(true);
    reader.start();
    return read.awaitAtMost(TIMEOUT);
  }

  private static IOException notRegular() {
    return new IOException("not a regular file (a directory, pipe or device)");
  }

  /** Where a read blocked: the path, and the file found there (or {@link #NOT_YET_KNOWN}). */
  private record FileAtPath(Path path, Object fileKey) {}

  /** The step a read is in, to say which one hung. */
  private enum Step {
    ATTRIBUTES("its attributes did not answer within %d ms: a hung file system"),
    OPEN("did not open within %d ms: a pipe put in its place, or a hung file system"),
    READ("gave no more bytes for %d ms while read: a hung file system");

    private final String givenUp;

    Step(String givenUp) {
      this.givenUp = givenUp;
    }
  }

  /**
   * One read of one file on its own thread: {@link #run} on that thread, {@link #awaitAtMost} on
   * the caller's.
   */
  private static final class Read {
    private final Path file;
    private final Path path;
    private final int limit;
    private final BetweenCheckAndOpen betweenCheckAndOpen;
    private final Runnable afterChunk;
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private final CompletableFuture<Void> ended = new CompletableFuture<>();
    private volatile Step step = Step.ATTRIBUTES;

    /** The bytes read so far; written by the reading thread only. */
    private volatile long bytesRead;

    /** The file found at the path; null until its attribute read answered. */
    private volatile FileAtPath found;

    /** Where the caller, giving up, keeps this read in {@link #abandoned}; null until then. */
    private volatile FileAtPath abandonedAs;

    Read(
        Path file,
        Path path,
        int limit,
        BetweenCheckAndOpen betweenCheckAndOpen,
        Runnable afterChunk) {
      this.file = file;
      this.path = path;
      this.limit = limit;
      this.betweenCheckAndOpen = betweenCheckAndOpen;
      this.afterChunk = afterChunk;
    }

    boolean blocked() {
      return !ended.isDone();
    }

    void run() {
      try {
        BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
        if (!attributes.isRegularFile()) {
          throw notRegular();
        }
        FileAtPath atPath = new FileAtPath(path, attributes.fileKey());
        found = atPath; // before the check: a caller giving up after it keeps us under the file
        if (result.isDone()) {
          return; // given up on while the attributes hung: open nothing
        }
        Read earlier = abandoned.get(atPath);
        if (earlier != null && earlier.blocked()) {
          throw new IOException(
              "an earlier read of this file, given up on after "
                  + TIMEOUT.toMillis()
                  + " ms, is still blocked (a hung file system, or a pipe put in its place): not"
                  + " opened again until that read ends");
        }
        betweenCheckAndOpen.run();
        step = Step.OPEN;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
          if (result.isDone()) {
            return; // given up on while the open hung: closes what it opened
          }
          step = Step.READ;
          try {
            channel.position();
          } catch (IOException e) {
            throw notRegular(); // ESPIPE: a pipe, socket or terminal
          }
          result.complete(readChunks(channel, limit + 1));
        }
      } catch (IOException | RuntimeException | Error e) {
        result.completeExceptionally(e);
      } finally {
        // ended before abandonedAs is read: a caller keeping it after this sees it ended, removes
        // it
        ended.complete(null);
        FileAtPath key = abandonedAs;
        if (key != null) {
          abandoned.remove(key, this);
        }
      }
    }

    /** Up to {@code most} bytes of the channel, a chunk at a time, counted as they come. */
    private byte[] readChunks(FileChannel channel, int most) throws IOException {
      InputStream in = Channels.newInputStream(channel);
      ByteArrayOutputStream read = new ByteArrayOutputStream(Math.min(most, CHUNK));
      byte[] chunk = new byte[Math.min(most, CHUNK)];
      while (read.size() < most) {
        int n = in.read(chunk, 0, Math.min(chunk.length, most - read.size()));
        if (n < 0) {
          break;
        }
        read.write(chunk, 0, n);
        bytesRead += n;
        afterChunk.run();
      }
      return read.toByteArray();
    }

    /**
     * The bytes read, or an {@link IOException} when the check and open take longer than {@code
     * timeout}, or the read then brings no bytes for as long: the read is given up on and kept in
     * {@link #abandoned} until it ends. A large file on a slow but working mount is read as long as
     * its bytes keep coming.
     */
    byte[] awaitAtMost(Duration timeout) throws IOException {
      long seen = 0;
      while (true) {
        try {
          result.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
          Step hung = step;
          long now = bytesRead;
          if (hung == Step.READ && now != seen) {
            seen = now; // bytes came within the last timeout: wait for more
            continue;
          }
          if (giveUp()) {
            throw new IOException(String.format(Locale.ROOT, hung.givenUp, timeout.toMillis()));
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          giveUp();
          throw new InterruptedIOException("interrupted while reading " + file);
        } catch (ExecutionException e) {
          // taken below
        }
        return taken();
      }
    }

    /**
     * Gives up on the read unless it already ended; true when it did not. A read given up on is
     * kept under the file found at the path, or under the path alone while that is not known.
     */
    private boolean giveUp() {
      if (!result.completeExceptionally(new IOException("abandoned"))) {
        return false;
      }
      FileAtPath atPath = found; // read after the give-up: when null, the read will open nothing
      FileAtPath key = atPath != null ? atPath : new FileAtPath(path, NOT_YET_KNOWN);
      abandonedAs = key;
      abandoned.put(key, this);
      if (ended.isDone()) {
        abandoned.remove(key, this); // ended before the put: its own removal may have missed it
      }
      return true;
    }

    /** What a completed read brought: the bytes, or what it threw. */
    private byte[] taken() throws IOException {
      try {
        return result.join();
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
