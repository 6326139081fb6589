package io.sluice.etcd;

import java.io.File;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * How the agent and the control plane read a path setting that starts with {@code ~} (the state
 * directory, the rules file, TLS files): {@code ~} and {@code ~/x} are this user's home directory,
 * as a shell would have it; {@code ~ops/x} is refused. A shell expands {@code ~ops} from the passwd
 * database, which the JDK cannot read without parsing {@code /etc/passwd} itself, and taken as
 * written it would be a relative path, a directory named {@code ~ops} under whatever the working
 * directory is, where state would silently go and files would silently not be found. Both sides
 * read the same values the same way and refuse {@code ~ops} in the same words. On Windows {@code
 * ~\x} is this user's home too, as {@code ~/x} is: {@code \} is that system's separator.
 */
public final class HomeDirectoryPaths {

  /**
   * Why a value starting with {@code ~} or {@code ~/} is refused when the JVM knows no home nor a
   * user to name a directory of its own by ({@link TemporaryStateDirectory#NO_USER}), without
   * naming the setting.
   */
  public static final String NO_HOME =
      "~ stands for no directory here, as "
          + TemporaryStateDirectory.NO_USER
          + "; write the directory out in full";

  private HomeDirectoryPaths() {}

  /**
   * Why {@code value} is refused when it starts with {@code ~user} ({@code ~ops/x}, {@code ~ops}),
   * without naming the setting; {@code null} for any other value.
   */
  public static String otherUsersHome(String value) {
    return otherUsersHome(value, File.separatorChar);
  }

  /** As {@link #otherUsersHome(String)}, on a system whose separator is {@code separator}. */
  static String otherUsersHome(String value, char separator) {
    if (!value.startsWith("~") || ownHome(value, separator)) {
      return null;
    }
    int slash = firstSeparator(value, separator);
    String user = slash < 0 ? value : value.substring(0, slash);
    return user
        + " is not expanded: only ~ and ~/ stand for this user's home directory, and taken as"
        + " written it would be a path relative to the working directory; write the path out in"
        + " full";
  }

  /**
   * {@code value} as a path, with a leading {@code ~} or {@code ~/} standing for {@code home}
   * (asked only then).
   *
   * @throws IllegalArgumentException when {@code value} starts with {@code ~user} ({@link
   *     #otherUsersHome} says why; ask it first to tell this apart from an invalid path)
   * @throws java.nio.file.InvalidPathException when {@code value} is no valid path
   */
  public static Path expand(String value, Supplier<Path> home) {
    return expand(value, home, File.separatorChar);
  }

  /** As {@link #expand(String, Supplier)}, on a system whose separator is {@code separator}. */
  static Path expand(String value, Supplier<Path> home, char separator) {
    if (ownHome(value, separator)) {
      int rest = 1;
      while (rest < value.length() && isSeparator(value.charAt(rest), separator)) {
        rest++;
      }
      return home.get().resolve(value.substring(rest));
    }
    String refused = otherUsersHome(value, separator);
    if (refused != null) {
      throw new IllegalArgumentException(refused);
    }
    return Path.of(value);
  }

  /** {@code ~} alone or before a separator: this user's home. */
  private static boolean ownHome(String value, char separator) {
    return value.equals("~") || (value.startsWith("~") && isSeparator(value.charAt(1), separator));
  }

  private static int firstSeparator(String value, char separator) {
    for (int i = 0; i < value.length(); i++) {
      if (isSeparator(value.charAt(i), separator)) {
        return i;
      }
    }
    return -1;
  }

  /** {@code /} everywhere (Java takes it on Windows too), and the system's own separator. */
  private static boolean isSeparator(char c, char separator) {
    return c == '/' || c == separator;
  }
}
