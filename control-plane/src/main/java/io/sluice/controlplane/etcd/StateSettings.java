package io.sluice.controlplane.etcd;

import io.sluice.etcd.TemporaryStateDirectory;
import io.sluice.etcd.UnsafeStateDirectoryException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Properties;
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
 * @param dir the state directory
 */
@ConfigurationProperties("sluice.state")
public record StateSettings(Path dir) {

  private static final Logger LOG = Logger.getLogger(StateSettings.class.getName());

  public StateSettings {
    dir = dir == null ? defaultDir(System.getProperties()) : dir;
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
   * @throws IllegalStateException naming the directory, what is wrong and {@code sluice.state.dir}
   * @throws UncheckedIOException when the directory cannot be created or read
   */
  void checkTemporaryFallback() {
    checkTemporaryFallback(dir, System.getProperties());
  }

  /** As {@link #checkTemporaryFallback()}, with the JVM's {@code properties} given (tests). */
  static void checkTemporaryFallback(Path dir, Properties properties) {
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
      throw new IllegalStateException(
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
