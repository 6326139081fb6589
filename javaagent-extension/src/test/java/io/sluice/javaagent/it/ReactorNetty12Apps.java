package io.sluice.javaagent.it;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * The test app's class path with Reactor Netty 1.2 instead of 1.3: the module's Reactor Netty,
 * reactor-core 3.8 and Netty 4.2 are dropped, and Reactor Netty 1.2 with its reactor-core 3.7 and
 * Netty 4.1 (copied by the build to {@code reactor-netty12.app.libs}) take their place. Vert.x
 * stays on the path unused (it needs Netty 4.2); nothing loads it in these apps.
 */
final class ReactorNetty12Apps {

  private ReactorNetty12Apps() {}

  /** The Reactor Netty version the app runs on, as its {@code User-Agent} names it. */
  static String version() {
    return System.getProperty("reactor-netty12.version", "1.2.18");
  }

  static String classPath() {
    List<String> entries = new ArrayList<>();
    for (String entry : System.getProperty("test.app.classpath").split(File.pathSeparator)) {
      if (!replaced(Path.of(entry).getFileName().toString())) {
        entries.add(entry);
      }
    }
    Path libs =
        Path.of(System.getProperty("reactor-netty12.app.libs", "target/reactor-netty12-app-libs"));
    try (Stream<Path> jars = Files.list(libs)) {
      List<String> added = jars.map(Path::toString).sorted().toList();
      if (added.stream().noneMatch(jar -> jar.endsWith("reactor-netty-http-" + version() + ".jar"))
          || added.stream()
              .noneMatch(
                  jar ->
                      Path.of(jar).getFileName().toString().startsWith("netty-codec-http-4.1."))) {
        throw new IllegalStateException(
            "Reactor Netty " + version() + " or Netty 4.1 missing: " + added);
      }
      entries.addAll(added);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return String.join(File.pathSeparator, entries);
  }

  /** Whether the class path holds only Reactor Netty 1.2 and Netty 4.1 of those libraries. */
  static boolean onlyReactorNetty12(String classPath) {
    return Arrays.stream(classPath.split(File.pathSeparator))
        .map(entry -> Path.of(entry).getFileName().toString())
        .filter(ReactorNetty12Apps::replaced)
        .allMatch(
            file ->
                file.startsWith("reactor-netty-http-" + version())
                    || file.startsWith("reactor-netty-core-" + version())
                    || file.startsWith("reactor-core-3.7.")
                    || file.startsWith("reactive-streams-")
                    || file.matches("netty-.*-4\\.1\\.\\d+\\.Final\\.jar"));
  }

  private static boolean replaced(String file) {
    return file.startsWith("reactor-netty-")
        || file.startsWith("reactor-core-")
        || file.startsWith("reactive-streams-")
        || file.startsWith("netty-");
  }
}
