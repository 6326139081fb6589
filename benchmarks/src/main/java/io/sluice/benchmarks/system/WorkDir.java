package io.sluice.benchmarks.system;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A benchmark's temporary directory (logs, rules file, agents' state), deleted at the end unless
 * {@code -Dsluice.bench.keep=true} asks to keep it for a look at the logs.
 */
final class WorkDir implements AutoCloseable {

  private final Path path;

  private WorkDir(Path path) {
    this.path = path;
  }

  static WorkDir create(String prefix) {
    try {
      return new WorkDir(Files.createTempDirectory(prefix));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Path path() {
    return path;
  }

  @Override
  public void close() {
    if (Boolean.getBoolean("sluice.bench.keep")) {
      System.out.println("kept " + path);
      return;
    }
    try (Stream<Path> files = Files.walk(path)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      System.err.println("could not delete " + path + ": " + e.getMessage());
    }
  }
}
