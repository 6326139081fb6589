package io.sluice.javaagent.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Where one forked test app keeps its files: a directory of its own in the build's {@code
 * target/test-apps}, holding the app's log ({@code app.log}) and its temporary directory ({@code
 * tmp}, the app's {@code java.io.tmpdir}).
 *
 * <p>Java ignores {@code $TMPDIR}: without a {@code java.io.tmpdir} of their own, the apps put the
 * agent's extracted extension (~19 MB), Vert.x's {@code vertx-cache-*} and the app's logs in {@code
 * /tmp}, and an app killed outright left them there, run after run. {@link #deleteTemporaryFiles}
 * removes the temporary directory whatever the app left in it; the log stays where a failed test
 * names it, in the build's directory, which {@code mvn clean} empties.
 *
 * @param log the file the app's output goes to
 * @param temporaryDirectory the app's {@code java.io.tmpdir}
 */
record TestAppFiles(Path log, Path temporaryDirectory) {

  /** A new directory for one app in {@code target/test-apps}, with an empty {@code tmp}. */
  static TestAppFiles create() throws IOException {
    Path apps = Files.createDirectories(Path.of("target", "test-apps").toAbsolutePath());
    Path directory = Files.createTempDirectory(apps, "test-app-");
    return new TestAppFiles(
        directory.resolve("app.log"), Files.createDirectory(directory.resolve("tmp")));
  }

  /** Deletes the app's temporary directory and everything in it; best effort, once it stopped. */
  void deleteTemporaryFiles() {
    try (Stream<Path> paths = Files.walk(temporaryDirectory)) {
      paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException | RuntimeException alreadyGone) {
      // nothing left to delete, or a leftover in the build's directory that mvn clean removes
    }
  }
}
