package io.sluice.sdk.source;

import io.sluice.rules.wire.EtcdKeys;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Names the files a {@link LastKnownGoodStore} keeps its snapshots in, one per service and etcd
 * namespace: {@code rules-{service}.json} in the default namespace {@code /sluice}, {@code
 * rules-{service}@{namespace}.json} in any other (the namespace without its leading {@code /}), the
 * service and namespace written file-safe. Also names the file an older version, which kept
 * upper-case letters in names, saved the same snapshot under, so that such a file is still found.
 *
 * @param directory the state directory the files are in
 * @param namespace the store's etcd namespace, normalized as {@link EtcdKeys} does
 */
record SnapshotFileNames(Path directory, String namespace) {

  /**
   * The longest name (without {@code .json}) kept as it is: a save's temporary file adds up to 26
   * characters ({@code .}, {@code -}, the JDK's up to 20 random digits, {@code .tmp}), and Linux
   * holds a file name to 255 bytes. A 63-character service name in capitals is 189 characters
   * file-safe, more with a namespace; a longer name is shortened ({@link #shortened}).
   */
  static final int MAX_NAME = 200;

  private static final int KEPT_OF_A_LONG_NAME = 128;

  /** The longest file name Linux holds, in bytes (file-safe names are ASCII). */
  private static final int LONGEST_FILE_NAME = 255;

  /** The file holding {@code service}'s snapshot. */
  Path file(String service) {
    return directory.resolve(baseName(service, true) + ".json");
  }

  /**
   * Where an older version saved {@code service}'s snapshot, null when that is today's name: a name
   * shortened today ({@link #shortened}) in full, as versions before shortening saved it when it
   * fit a file name; else as a version that kept upper-case letters in file names saved it.
   */
  Path legacyFile(String service) {
    String full = fullName(service, true);
    if (full.length() > MAX_NAME && full.length() + ".json".length() <= LONGEST_FILE_NAME) {
      return directory.resolve(full + ".json");
    }
    Path legacy = directory.resolve(baseName(service, false) + ".json");
    return legacy.equals(file(service)) ? null : legacy;
  }

  /** The prefix of the temporary files a save of {@code service}'s snapshot writes. */
  String temporaryPrefix(String service) {
    return "." + baseName(service, true) + "-";
  }

  private String baseName(String service, boolean escapeUpperCase) {
    String base = fullName(service, escapeUpperCase);
    return base.length() <= MAX_NAME ? base : shortened(base);
  }

  /** The name of {@code service}'s snapshot without {@code .json}, however long. */
  private String fullName(String service, boolean escapeUpperCase) {
    String base = "rules-" + fileSafe(service, escapeUpperCase);
    if (namespace.equals(EtcdKeys.DEFAULT_NAMESPACE)) {
      return base;
    }
    // '@' is never in a file-safe service name, so the two parts cannot be confused
    String bare = namespace.startsWith("/") ? namespace.substring(1) : namespace;
    return base + "@" + fileSafe(bare, escapeUpperCase);
  }

  /**
   * A file-safe name too long for a file: its start, {@code ~}, and the SHA-256 of the whole name
   * in hex. As unique as the whole name (the snapshot also names its service and namespace, which a
   * load checks), readable by its start, and never another name's: {@code ~} is in no file-safe
   * name. Before, every save of such a service failed ("File name too long"), and it had no
   * last-known-good rules.
   */
  private static String shortened(String base) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(base.getBytes(StandardCharsets.US_ASCII));
      int cut = KEPT_OF_A_LONG_NAME;
      if (base.charAt(cut - 1) == '%') {
        cut -= 1; // never half an escape
      } else if (base.charAt(cut - 2) == '%') {
        cut -= 2;
      }
      return base.substring(0, cut) + "~" + HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  /**
   * Service names are checked by the rule language; this only keeps file names portable: every byte
   * but {@code a-z 0-9 - _ .} is written {@code %XX}, upper-case letters included, so that two
   * services whose names differ only in case ({@code OrderService}, {@code orderservice}) never
   * share a file on a file system that ignores case (macOS's and Windows' by default).
   */
  static String fileSafe(String service) {
    return fileSafe(service, true);
  }

  /** As {@link #fileSafe(String)}, or as versions before it wrote names: capitals kept. */
  private static String fileSafe(String service, boolean escapeUpperCase) {
    StringBuilder out = new StringBuilder(service.length());
    for (byte b : service.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if ((c >= 'a' && c <= 'z')
          || (!escapeUpperCase && c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || c == '-'
          || c == '_'
          || c == '.') {
        out.append(c);
      } else {
        out.append('%').append(String.format(Locale.ROOT, "%02X", b & 0xff));
      }
    }
    return out.toString();
  }
}
