package io.sluice.controlplane;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Tomcat base directories ({@code server.tomcat.basedir}) for the control planes a test JVM starts:
 * subdirectories of one temporary directory, deleted when the JVM ends.
 *
 * <p>Left to itself, Spring Boot gives every embedded Tomcat a {@code tomcat.0.*} directory in the
 * temp directory and never deletes it. A directory per instance deleted on close does not work
 * either: Tomcat makes the first base directory of a JVM its {@code catalina.home} (a system
 * property) for every later instance, and creates it again when it is gone. One parent per JVM,
 * deleted by a shutdown hook, holds them all.
 */
public final class TomcatBaseDirs {

  private static Path root;
  private static int created;

  private TomcatBaseDirs() {}

  /** A new, empty base directory. */
  public static synchronized Path next() {
    try {
      if (root == null) {
        Path dir = Files.createTempDirectory("sluice-control-plane-tomcat");
        Runtime.getRuntime()
            .addShutdownHook(new Thread(() -> deleteRecursively(dir), "delete-tomcat-dirs"));
        root = dir;
      }
      return Files.createDirectory(root.resolve("tomcat-" + ++created));
    } catch (IOException e) {
      throw new UncheckedIOException("could not create a Tomcat base directory", e);
    }
  }

  private static void deleteRecursively(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // best effort: it is in the temp directory
    }
  }
}
