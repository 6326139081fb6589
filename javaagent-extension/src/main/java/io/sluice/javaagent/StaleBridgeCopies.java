package io.sluice.javaagent;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.OptionalLong;

/**
 * Removes the copies of the bootstrap bridge that JVMs killed outright left in the temporary
 * directory. A copy is deleted when its JVM exits; a {@code kill -9} (an out-of-memory kill, a
 * container stopped after its grace period) skips that, and an app restarted that way kept one more
 * file at every start.
 *
 * <p>Each copy is named after the process that wrote it ({@code sluice-bridge-<pid>-<random>.jar},
 * see {@link #prefix}). A copy is stale when its process is gone, or has this JVM's own pid (a
 * container restarted: its JVM is pid 1 again) and is not this JVM's own copy, and when it is older
 * than {@link #MIN_AGE}: a temporary directory shared by containers whose pids one another cannot
 * see may hold a copy another JVM is still writing. Deleting a copy a live JVM appended is harmless
 * where such a file can be deleted at all: the JVM holds it open.
 */
final class StaleBridgeCopies {

  static final String PREFIX = "sluice-bridge-";
  static final String SUFFIX = ".jar";
  static final Duration MIN_AGE = Duration.ofMinutes(1);

  private StaleBridgeCopies() {}

  /** The prefix of the copy written by the process {@code pid}, for {@code createTempFile}. */
  static String prefix(long pid) {
    return PREFIX + pid + "-";
  }

  /**
   * Deletes the stale copies in {@code dir} and answers how many; {@code own} (this JVM's copy) is
   * never one. A copy that cannot be read or deleted (another user's) is left alone.
   *
   * @throws IOException when the directory cannot be listed
   */
  static int remove(Path dir, long ownPid, Path own, Instant now) throws IOException {
    int removed = 0;
    try (DirectoryStream<Path> copies = Files.newDirectoryStream(dir, PREFIX + "*" + SUFFIX)) {
      for (Path copy : copies) {
        if (isStale(copy, ownPid, own, now) && deleted(copy)) {
          removed++;
        }
      }
    }
    return removed;
  }

  private static boolean isStale(Path copy, long ownPid, Path own, Instant now) {
    OptionalLong pid = pidOf(copy.getFileName().toString());
    if (pid.isEmpty() || copy.equals(own)) {
      return false;
    }
    boolean gone = pid.getAsLong() == ownPid || ProcessHandle.of(pid.getAsLong()).isEmpty();
    if (!gone) {
      return false;
    }
    try {
      return Files.getLastModifiedTime(copy).toInstant().isBefore(now.minus(MIN_AGE));
    } catch (IOException e) {
      return false;
    }
  }

  /** The pid in a copy's name; empty for a name this class did not make. */
  static OptionalLong pidOf(String name) {
    int end = name.indexOf('-', PREFIX.length());
    if (!name.startsWith(PREFIX) || !name.endsWith(SUFFIX) || end <= PREFIX.length()) {
      return OptionalLong.empty();
    }
    try {
      long pid = Long.parseLong(name.substring(PREFIX.length(), end));
      return pid > 0 ? OptionalLong.of(pid) : OptionalLong.empty();
    } catch (NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

  private static boolean deleted(Path copy) {
    try {
      return Files.deleteIfExists(copy);
    } catch (IOException | SecurityException e) {
      return false;
    }
  }
}
