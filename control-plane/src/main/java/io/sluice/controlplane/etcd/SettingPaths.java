package io.sluice.controlplane.etcd;

import io.sluice.etcd.HomeDirectoryPaths;
import io.sluice.etcd.TemporaryStateDirectory;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * A leading {@code ~} in the control plane's path settings ({@code sluice.state.dir}, {@code
 * sluice.etcd.tls.*-file}), read as the agents read theirs ({@link HomeDirectoryPaths}): {@code ~}
 * and {@code ~/x} are this user's home directory, or its fallback under the temporary directory
 * when the JVM knows none ({@link TemporaryStateDirectory#home}). Spring binds such a value as
 * written, a path relative to the working directory: the embedded etcd's data went to a directory
 * named {@code ~} there, and a TLS file was looked for there. A value that cannot be expanded
 * ({@code ~ops/x}, or {@code ~} when no home can be named) is kept as bound and refused by {@link
 * #problem}, with the other problems of its settings.
 */
final class SettingPaths {

  private SettingPaths() {}

  /**
   * {@code path} with a leading {@code ~} or {@code ~/} expanded; any other path, and one that
   * cannot be expanded, as given ({@code null} too).
   *
   * @param home the home directory, or its fallback, from the JVM's properties ({@link
   *     TemporaryStateDirectory#home} but in tests)
   */
  static Path expanded(
      Path path,
      Function<String, String> systemProperties,
      Function<Function<String, String>, Path> home) {
    if (path == null || path.isAbsolute() || !path.toString().startsWith("~")) {
      return path;
    }
    String value = path.toString();
    if (HomeDirectoryPaths.otherUsersHome(value) != null) {
      return path; // refused by problem(...)
    }
    try {
      return HomeDirectoryPaths.expand(value, () -> home.apply(systemProperties));
    } catch (IllegalStateException noHome) {
      return path; // refused by problem(...)
    }
  }

  /**
   * Why {@code path}, as {@link #expanded} left it, is refused, naming {@code key} and the value;
   * {@code null} when it is not: it still starts with {@code ~} only when it names another user's
   * home or no home can be named.
   */
  static String problem(String key, Path path) {
    if (path == null || path.isAbsolute() || !path.toString().startsWith("~")) {
      return null;
    }
    String value = path.toString();
    String otherUsersHome = HomeDirectoryPaths.otherUsersHome(value);
    return key
        + "="
        + value
        + ": "
        + (otherUsersHome != null ? otherUsersHome : HomeDirectoryPaths.NO_HOME);
  }
}
