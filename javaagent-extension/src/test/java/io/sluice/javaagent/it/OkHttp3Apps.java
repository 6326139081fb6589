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
 * The test app's class path with OkHttp 3.14 instead of OkHttp 4: the module's OkHttp 4, okio 3 and
 * Kotlin are dropped, and OkHttp 3.14 with its okio 1.x (copied by the build to {@code
 * okhttp3.app.libs}) take their place. OkHttp 3.14 is Java: no Kotlin is left on the path.
 */
final class OkHttp3Apps {

  private OkHttp3Apps() {}

  /** The OkHttp version the app runs on, as its {@code User-Agent} names it. */
  static String version() {
    return System.getProperty("okhttp3.version", "3.14.9");
  }

  static String classPath() {
    List<String> entries = new ArrayList<>();
    for (String entry : System.getProperty("test.app.classpath").split(File.pathSeparator)) {
      String file = Path.of(entry).getFileName().toString();
      if (!file.startsWith("okhttp") && !file.startsWith("okio") && !file.startsWith("kotlin")) {
        entries.add(entry);
      }
    }
    Path libs = Path.of(System.getProperty("okhttp3.app.libs", "target/okhttp3-app-libs"));
    try (Stream<Path> jars = Files.list(libs)) {
      List<String> added = jars.map(Path::toString).sorted().toList();
      if (added.stream().noneMatch(jar -> jar.endsWith("okhttp-" + version() + ".jar"))
          || added.stream()
              .noneMatch(jar -> Path.of(jar).getFileName().toString().startsWith("okio-1."))) {
        throw new IllegalStateException("OkHttp " + version() + " or okio 1.x missing: " + added);
      }
      entries.addAll(added);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return String.join(File.pathSeparator, entries);
  }

  /** Whether the class path holds no OkHttp 4, okio 2+/3 or Kotlin. */
  static boolean withoutOkHttp4OrKotlin(String classPath) {
    return Arrays.stream(classPath.split(File.pathSeparator))
        .map(entry -> Path.of(entry).getFileName().toString())
        .noneMatch(
            file ->
                file.startsWith("okhttp-4")
                    || file.startsWith("kotlin")
                    || (file.startsWith("okio") && !file.startsWith("okio-1.")));
  }
}
