package io.sluice.controlplane.etcd;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Properties;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Where the control plane keeps local files ({@code sluice.state.dir}, default {@code ~/.sluice}):
 * only the embedded etcd's data, under {@code etcd/}.
 *
 * <p>When the JVM knows no home (a container user without a passwd entry gets {@code user.home=?}),
 * the default is {@code <java.io.tmpdir>/sluice-<user.name>/.sluice}, as the SDK's state: never a
 * relative {@code ?/.sluice} under whatever the working directory is. The embedded etcd's start
 * line says where its data went and, under the temporary directory, how to keep it.
 *
 * @param dir the state directory
 */
@ConfigurationProperties("sluice.state")
public record StateSettings(Path dir) {

  public StateSettings {
    dir = dir == null ? defaultDir(System.getProperties()) : dir;
  }

  /**
   * {@code ~/.sluice} from {@code properties}, or the temporary directory's when there is no home.
   */
  static Path defaultDir(Properties properties) {
    String home = properties.getProperty("user.home");
    try {
      if (home != null && !home.isBlank() && Path.of(home).isAbsolute()) {
        return Path.of(home, ".sluice");
      }
    } catch (InvalidPathException e) {
      // no usable home: the temporary directory below
    }
    String owner = properties.getProperty("user.name", "").replaceAll("[^A-Za-z0-9._-]", "_");
    return Path.of(properties.getProperty("java.io.tmpdir"), "sluice-" + owner, ".sluice");
  }
}
