package io.sluice.demo.deploy;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the repository root (where {@code docker-compose.yml} lives) from the test's directory. */
final class RepositoryFiles {
  private RepositoryFiles() {}

  static Path root() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null) {
      if (Files.isRegularFile(dir.resolve("docker-compose.yml"))
          && Files.isDirectory(dir.resolve("demo-mesh"))) {
        return dir;
      }
      dir = dir.getParent();
    }
    throw new IllegalStateException(
        "no docker-compose.yml beside demo-mesh/ above " + Path.of("").toAbsolutePath());
  }
}
