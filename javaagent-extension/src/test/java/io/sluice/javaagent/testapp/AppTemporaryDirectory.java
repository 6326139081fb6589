package io.sluice.javaagent.testapp;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A directory in the app's temporary directory that is deleted, with everything in it, as the app
 * exits: the test app runs once per test class, and a directory of its own left behind at every run
 * fills the machine's temporary directory ({@link java.io.File#deleteOnExit} deletes only an empty
 * one, which an HTTP cache never is). The app exits through its shutdown hooks when its test stops
 * it (SIGTERM) and when its test JVM goes away ({@link TestApp#EXIT_WITH_PARENT}).
 */
final class AppTemporaryDirectory {

  private AppTemporaryDirectory() {}

  /** A new, empty directory named from {@code prefix}, deleted as the app exits. */
  static Path create(String prefix) {
    try {
      Path directory = Files.createTempDirectory(prefix);
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(() -> deleteRecursively(directory), "delete-" + directory.getFileName()));
      return directory;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteRecursively(Path directory) {
    try (Stream<Path> paths = Files.walk(directory)) {
      paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException | RuntimeException ignored) {
      // best effort, as the app exits: nothing is left to tell
    }
  }
}
