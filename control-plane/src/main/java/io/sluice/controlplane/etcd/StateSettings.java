package io.sluice.controlplane.etcd;

import io.sluice.etcd.TemporaryStateDirectory;
import io.sluice.etcd.UnsafeStateDirectoryException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Properties;
import java.util.function.Function;
import java.util.logging.Logger;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Where the control plane keeps local files ({@code sluice.state.dir}, default {@code ~/.sluice}):
 * only the embedded etcd's data, under {@code etcd/}.
 *
 * <p>When the JVM knows no home (a container user without a passwd entry gets {@code user.home=?}),
 * the default is {@code <java.io.tmpdir>/sluice-<user.name>/.sluice}, as the SDK's: never a
 * relative {@code ?/.sluice} under whatever the working directory is. The embedded etcd's start
 * line says where its data went and, under the temporary directory, how to keep it. Before the
 * embedded etcd keeps anything there, {@link #checkTemporaryFallback} makes sure that {@code
 * sluice-<user.name>} is this user's own ({@link TemporaryStateDirectory}).
 *
 * <p>A value starting with {@code ~} or {@code ~/} is this user's home directory, as for the agents
 * ({@link SettingPaths}); {@code ~user/x} is refused when the settings are bound. A JVM that knows
 * no home, no user name and no user id has no default at all: {@link #dir()} is then {@code null},
 * which only a control plane that starts the embedded etcd minds, and {@link
 * #checkTemporaryFallback} refuses the start in one line naming {@code sluice.state.dir}.
 *
 * @param dir the state directory; {@code null} when it is not set and no default can be named
 */
@ConfigurationProperties("sluice.state")
public record StateSettings(Path dir) {

  private static final Logger LOG = Logger.getLogger(StateSettings.class.getName());

  private static final String KEY = "sluice.state.dir";

  /**
   * The directory as bound, {@code ~} expanded, or the default.
   *
   * @throws IllegalArgumentException for a directory starting with {@code ~user}, or with {@code ~}
   *     when no home can be named, naming {@code sluice.state.dir} and the value
   */
  public StateSettings {
    dir = resolve(dir, System.getProperties()::getProperty, TemporaryStateDirectory::home);
  }

  /**
   * {@code dir} with {@code ~} expanded, or without it the default; {@code null} when no default
   * can be named (see {@link TemporaryStateDirectory#home}).
   *
   * @param home {@link TemporaryStateDirectory#home} but in tests, which cannot take this process's
   *     user id away
   * @throws IllegalArgumentException for a {@code dir} that is refused, naming it
   */
  static Path resolve(
      Path dir,
      Function<String, String> systemProperties,
      Function<Function<String, String>, Path> home) {
    if (dir == null) {
      try {
        return home.apply(systemProperties).resolve(".sluice");
      } catch (IllegalStateException noDefault) {
        return null; // said only where it matters: by the embedded etcd's start
      }
    }
    Path expanded = SettingPaths.expanded(dir, systemProperties, home);
    String problem = SettingPaths.problem(KEY, expanded);
    if (problem != null) {
      throw new IllegalArgumentException("invalid state settings:\n  - " + problem);
    }
    return expanded;
  }

  /**
   * {@code ~/.sluice} from {@code properties}, or the temporary directory's when there is no home.
   */
  static Path defaultDir(Properties properties) {
    return TemporaryStateDirectory.home(properties::getProperty).resolve(".sluice");
  }

  /**
   * Creates the fallback under the temporary directory owner-only when {@link #dir()} lies in it,
   * or makes sure the one there is this user's own; does nothing for a directory elsewhere. One
   * that is this user's but could not be closed to readers is used, with a WARNING saying so.
   *
   * @throws StateDirectoryRefusedException when there is no directory ({@link #dir()} is {@code
   *     null}), or naming the directory, what is wrong and {@code sluice.state.dir}
   * @throws UncheckedIOException when the directory cannot be created or read
   */
  void checkTemporaryFallback() {
    checkTemporaryFallback(dir, System.getProperties());
  }

  /** As {@link #checkTemporaryFallback()}, with the JVM's {@code properties} given (tests). */
  static void checkTemporaryFallback(Path dir, Properties properties) {
    if (dir == null) {
      throw new StateDirectoryRefusedException(
          KEY
              + " is not set, and its default has nowhere to go: "
              + TemporaryStateDirectory.NO_USER
              + ", so no directory of this user's own can be named for the embedded etcd's data;"
              + " set "
              + KEY
              + " to a directory only this user can write, or sluice.etcd.endpoints to an etcd"
              + " cluster");
    }
    Path fallback = TemporaryStateDirectory.containing(dir, properties::getProperty);
    if (fallback == null) {
      return;
    }
    try {
      String notice = TemporaryStateDirectory.secure(fallback);
      if (notice != null) {
        LOG.warning(notice);
      }
    } catch (UnsafeStateDirectoryException e) {
      throw new StateDirectoryRefusedException(
          "refusing to keep the embedded etcd's data in "
              + dir
              + ", under the temporary directory because the JVM knows no home directory"
              + " (user.home="
              + properties.getProperty("user.home")
              + "): "
              + e.getMessage()
              + "; set sluice.state.dir to a directory only this user can write");
    } catch (IOException e) {
      throw new UncheckedIOException("could not create the state directory " + fallback, e);
    }
  }
}
