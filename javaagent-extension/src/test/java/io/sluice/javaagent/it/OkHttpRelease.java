package io.sluice.javaagent.it;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * An OkHttp release the test app runs on in place of the module's OkHttp 4: its jars (copied by the
 * build to {@code <prefix>.app.libs}) replace OkHttp 4, okio and Kotlin on the app's class path, so
 * that each release line the agent guards, or refuses, is tested with its own okio and Kotlin.
 */
enum OkHttpRelease {

  /**
   * OkHttp 3.11, the newest release the breakers refuse (it lacks {@code Call#timeout}): its calls
   * pass unguarded. Java, okio 1.x: no Kotlin may be left.
   */
  OKHTTP_3_11("okhttp311", "3.11.0", "okhttp-", "okio-1.", OkHttpRelease::javaOnly),

  /** OkHttp 3.12, the oldest release guarded (Java, okio 1.x): no Kotlin may be left. */
  OKHTTP_3_12("okhttp312", "3.12.13", "okhttp-", "okio-1.", OkHttpRelease::javaOnly),

  /** OkHttp 3.14, the last 3.x (Java, okio 1.x): no Kotlin may be left on the path. */
  OKHTTP_3("okhttp3", "3.14.9", "okhttp-", "okio-1.", OkHttpRelease::javaOnly),

  /** OkHttp 5, the JVM artifact of the multiplatform library, with okio 3 and Kotlin 2. */
  OKHTTP_5(
      "okhttp5",
      "5.5.1",
      "okhttp-jvm-",
      "okio-jvm-3.",
      file -> !file.startsWith("okhttp-4") && !file.startsWith("kotlin-stdlib-1."));

  private final String prefix;
  private final String defaultVersion;
  private final String jarPrefix;
  private final String okioPrefix;
  private final Predicate<String> alone;

  OkHttpRelease(
      String prefix,
      String defaultVersion,
      String jarPrefix,
      String okioPrefix,
      Predicate<String> alone) {
    this.prefix = prefix;
    this.defaultVersion = defaultVersion;
    this.jarPrefix = jarPrefix;
    this.okioPrefix = okioPrefix;
    this.alone = alone;
  }

  /** A jar a Java-only release with okio 1.x may sit beside: no OkHttp 4, Kotlin or newer okio. */
  private static boolean javaOnly(String file) {
    return !file.startsWith("okhttp-4")
        && !file.startsWith("kotlin")
        && (!file.startsWith("okio") || file.startsWith("okio-1."));
  }

  /** The OkHttp version the app runs on, as its {@code User-Agent} names it. */
  String version() {
    return System.getProperty(prefix + ".version", defaultVersion);
  }

  /** The test app's class path with this release in place of OkHttp 4, okio and Kotlin. */
  String classPath() {
    List<String> entries = new ArrayList<>();
    for (String entry : System.getProperty("test.app.classpath").split(File.pathSeparator)) {
      String file = Path.of(entry).getFileName().toString();
      if (!file.startsWith("okhttp") && !file.startsWith("okio") && !file.startsWith("kotlin")) {
        entries.add(entry);
      }
    }
    Path libs = Path.of(System.getProperty(prefix + ".app.libs", "target/" + prefix + "-app-libs"));
    try (Stream<Path> jars = Files.list(libs)) {
      List<String> added = jars.map(Path::toString).sorted().toList();
      Predicate<String> named =
          name -> added.stream().anyMatch(jar -> fileName(jar).startsWith(name));
      if (!named.test(jarPrefix + version() + ".jar") || !named.test(okioPrefix)) {
        throw new IllegalStateException(
            "OkHttp " + version() + " or its " + okioPrefix + "x missing: " + added);
      }
      entries.addAll(added);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return String.join(File.pathSeparator, entries);
  }

  /** Whether {@code classPath} holds no OkHttp, okio or Kotlin that belongs to another release. */
  boolean aloneOn(String classPath) {
    return Arrays.stream(classPath.split(File.pathSeparator))
        .map(OkHttpRelease::fileName)
        .allMatch(alone);
  }

  private static String fileName(String entry) {
    return Path.of(entry).getFileName().toString();
  }
}
