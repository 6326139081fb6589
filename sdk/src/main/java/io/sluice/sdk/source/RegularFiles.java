package io.sluice.sdk.source;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads the local files rules come from (a rules file, a last-known-good snapshot) without letting
 * what is found at their path stall or swamp the app. Only a regular file is opened: opening a
 * named pipe or a device ({@code /dev/stdin}) would block until something writes to it, with the
 * rules' start and the app's shutdown waiting. And no more is read than such a file can sensibly
 * hold.
 *
 * <p>The type is checked before the file is opened, so a pipe put in the file's place between the
 * two still blocks the open. Plain Java cannot close that window: it has no {@code O_NONBLOCK} open
 * option and no way to read the type of an opened channel ({@code fstat}); {@code NOFOLLOW_LINKS}
 * and {@code SecureDirectoryStream.newByteChannel} open a pipe blocking all the same, and opening
 * it for reading and writing (which does not block on Linux) needs write permission a rules file on
 * a read-only mount does not give. Whoever can replace these files can also plant rules in them.
 */
final class RegularFiles {

  private RegularFiles() {}

  /**
   * The file's bytes, at most {@code limit + 1} of them: more than {@code limit} says the file is
   * too large without reading all of it.
   *
   * @throws NoSuchFileException when nothing is there
   * @throws IOException when what is there is not a regular file, or cannot be read
   */
  static byte[] readAtMost(Path file, int limit) throws IOException {
    if (!Files.isRegularFile(file)) {
      if (Files.notExists(file)) {
        throw new NoSuchFileException(file.toString());
      }
      throw new IOException("not a regular file (a directory, pipe or device)");
    }
    try (InputStream in = Files.newInputStream(file)) {
      return in.readNBytes(limit + 1);
    }
  }
}
