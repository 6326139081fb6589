package io.sluice.demo.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.demo.RunningDemo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What the tests of {@code ./demo.sh} set up around a run, in one place so that they agree: their
 * temporary directories under the build's demo runs, commands first on the PATH that stand in for
 * real ones, demo.sh's environment, and the stop of a run a test left running.
 */
final class DemoRunSetup {

  private DemoRunSetup() {}

  /**
   * A new temporary directory for demo.sh under the build's demo runs, named from {@code prefix}.
   */
  static Path runsDirectory(Path root, String prefix) throws IOException {
    return Files.createTempDirectory(
        Files.createDirectories(root.resolve("demo-mesh/target/demo-runs")), prefix);
  }

  /** The path beside {@code dir} whose name is {@code dir}'s followed by {@code suffix}. */
  static Path sibling(Path dir, String suffix) {
    return dir.resolveSibling(dir.getFileName() + suffix);
  }

  /** A command {@code name} in {@code bin} that runs {@code script} (lines after the first). */
  static void command(Path bin, String name, String script) throws IOException {
    Path command = Files.writeString(bin.resolve(name), "#!/bin/sh\n" + script);
    assertThat(command.toFile().setExecutable(true)).isTrue();
  }

  /** This JVM's PATH with {@code bin} first. */
  static String pathWith(Path bin) {
    return bin + ":" + System.getenv("PATH");
  }

  /**
   * demo.sh's environment: {@code tmp} as its temporary directory, {@code cache} as its cache and
   * {@code bin} first on the PATH.
   */
  static Map<String, String> environment(Path tmp, Path cache, Path bin) {
    return Map.of(
        "TMPDIR", tmp.toString(), "XDG_CACHE_HOME", cache.toString(), "PATH", pathWith(bin));
  }

  /**
   * demo.sh's environment with {@code tmp} as its temporary directory, a cache directory beside it
   * and, first on the PATH, a command {@code name} that runs {@code script} (a shell script's lines
   * after its first).
   */
  static Map<String, String> withCommand(Path tmp, String name, String script) throws IOException {
    Path bin = Files.createDirectories(sibling(tmp, "-bin"));
    command(bin, name, script);
    return environment(tmp, Files.createDirectories(sibling(tmp, "-cache")), bin);
  }

  /**
   * A PATH as this JVM's but without {@code command}: {@code dir}, made to hold a link to every
   * other command on this JVM's PATH (the first of each name), as on a machine without it.
   */
  static String pathWithout(Path dir, String command) throws IOException {
    Files.createDirectories(dir);
    for (String each : System.getenv("PATH").split(":")) {
      Path onPath = Path.of(each);
      if (!Files.isDirectory(onPath)) {
        continue;
      }
      try (Stream<Path> commands = Files.list(onPath)) {
        for (Path found : commands.toList()) {
          Path link = dir.resolve(found.getFileName().toString());
          if (!found.getFileName().toString().equals(command)
              && Files.isExecutable(found)
              && !Files.isDirectory(found)
              && !Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
            Files.createSymbolicLink(link, found.toAbsolutePath());
          }
        }
      }
    }
    return dir.toString();
  }

  /** Where {@code command} is on this JVM's PATH. */
  static String onPath(String command) {
    String path = onPathOrNull(command);
    if (path == null) {
      throw new AssertionError(command + " is not on the PATH");
    }
    return path;
  }

  /** Where {@code command} is on this JVM's PATH, or null where it is not. */
  static String onPathOrNull(String command) {
    return Stream.of(System.getenv("PATH").split(":"))
        .map(dir -> Path.of(dir, command))
        .filter(Files::isExecutable)
        .findFirst()
        .map(Path::toString)
        .orElse(null);
  }

  /** Stops {@code demo} and all it started, if a test started it (null otherwise). */
  static void stopLeftovers(RunningDemo demo) throws IOException, InterruptedException {
    if (demo != null) {
      demo.stop(Duration.ofSeconds(30));
    }
  }
}
