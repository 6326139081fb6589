package io.sluice.javaagent.it;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A log file another process is writing, read a piece at a time: each {@link #readAppended()} reads
 * only what the file gained since the last, so that a wait that polls a forked app's log every few
 * milliseconds does not read the whole log each time.
 *
 * <p>Reads stop at the last line break: a line being written, and a character whose bytes are not
 * all written yet, are read again, whole, next time (a line break byte is never part of another
 * UTF-8 character).
 */
final class GrowingLog {

  /**
   * What the log gained: {@code lines}, whole lines each ending in a line break, read for good; and
   * {@code partialLine}, the line being written, without its line break yet.
   */
  record Appended(String lines, String partialLine) {}

  private final Path file;
  private long position;

  GrowingLog(Path file) {
    this.file = file;
  }

  /** What the log gained since the last call; nothing when it cannot be read. */
  Appended readAppended() {
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      in.skipNBytes(position);
      bytes = in.readAllBytes();
    } catch (IOException e) {
      return new Appended("", "");
    }
    int lines = lastLineBreak(bytes) + 1;
    position += lines;
    return new Appended(
        new String(bytes, 0, lines, StandardCharsets.UTF_8),
        new String(bytes, lines, wholeCharacters(bytes, lines) - lines, StandardCharsets.UTF_8));
  }

  /** The whole log, for a failure's message. Lenient: the app may be writing a character. */
  String all() {
    try {
      return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  /**
   * Where the bytes from {@code from} on end without a last UTF-8 character whose bytes are not all
   * written yet: {@code bytes.length} when the last one is whole.
   */
  private static int wholeCharacters(byte[] bytes, int from) {
    int lead = bytes.length - 1;
    while (lead >= from && lead > bytes.length - 4 && (bytes[lead] & 0xC0) == 0x80) {
      lead--; // a continuation byte, 10xxxxxx
    }
    if (lead < from) {
      return bytes.length;
    }
    int b = bytes[lead] & 0xFF;
    int length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
    return lead + length > bytes.length ? lead : bytes.length;
  }

  private static int lastLineBreak(byte[] bytes) {
    for (int i = bytes.length - 1; i >= 0; i--) {
      if (bytes[i] == '\n') {
        return i;
      }
    }
    return -1;
  }
}
