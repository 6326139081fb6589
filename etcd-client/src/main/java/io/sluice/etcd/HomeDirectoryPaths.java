package io.sluice.etcd;

import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * How the agent and the control plane read a path setting that starts with {@code ~} (the state
 * directory, the rules file, TLS files): {@code ~} and {@code ~/x} are this user's home directory,
 * as a shell would have it; {@code ~ops/x} is refused. A shell expands {@code ~ops} from the passwd
 * database, which the JDK cannot read without parsing {@code /etc/passwd} itself, and taken as
 * written it would be a relative path, a directory named {@code ~ops} under whatever the working
 * directory is, where state would silently go and files would silently not be found. Both sides
 * read the same values the same way and refuse {@code ~ops} in the same words.
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
    if (!value.startsWith("~") || value.equals("~") || value.startsWith("~/")) {
      return null;
    }
    int slash = value.indexOf('/');
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
    if (value.equals("~") || value.startsWith("~/")) {
      return home.get().resolve(value.substring(1).replaceFirst("^/+", ""));
    }
    String refused = otherUsersHome(value);
    if (refused != null) {
      throw new IllegalArgumentException(refused);
    }
    return Path.of(value);
  }
}
