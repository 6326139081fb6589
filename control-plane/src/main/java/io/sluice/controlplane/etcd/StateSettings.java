package io.sluice.controlplane.etcd;

import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Where the control plane keeps local files ({@code sluice.state.dir}, default {@code ~/.sluice}):
 * only the embedded etcd's data, under {@code etcd/}.
 *
 * @param dir the state directory
 */
@ConfigurationProperties("sluice.state")
public record StateSettings(Path dir) {

  public StateSettings {
    dir = dir == null ? Path.of(System.getProperty("user.home"), ".sluice") : dir;
  }
}
