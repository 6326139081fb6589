package io.sluice.javaagent.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code java} launcher of a Java 21 or later runtime, for forked apps that need what only Java
 * 21 has ({@code HttpClient#shutdown}, {@code shutdownNow}, {@code close}) whatever JDK runs the
 * tests: the build runs on JDK 17, and a case skipped there would never run in CI.
 *
 * <p>Looked for, in this order: the JDK home named by the system property {@value #PROPERTY} or the
 * environment variable {@value #ENVIRONMENT}; the test JVM's own, when it is Java 21 or later; the
 * JDKs under {@code /usr/lib/jvm} whose {@code release} file says {@code JAVA_VERSION} 21 or later
 * (the newest first). None found fails the test with a message saying how to provide one.
 */
final class Java21Runtime {

  /** The system property naming a Java 21+ JDK home. */
  static final String PROPERTY = "sluice.test.jdk21";

  /** The environment variable naming a Java 21+ JDK home. */
  static final String ENVIRONMENT = "SLUICE_TEST_JDK21";

  private static final int FEATURE = 21;

  private static final Pattern JAVA_VERSION =
      Pattern.compile("(?m)^JAVA_VERSION=\"?(\\d+)(?:[.\"].*)?$");

  private Java21Runtime() {}

  /** This machine's Java 21+ {@code java} launcher; fails, saying how to provide one, if none. */
  static Path java() {
    return find(
        System.getProperty(PROPERTY),
        System.getenv(ENVIRONMENT),
        Path.of(System.getProperty("java.home")),
        Runtime.version().feature(),
        Path.of("/usr/lib/jvm"));
  }

  /**
   * The {@code java} launcher of the first Java 21+ JDK among: {@code named} (the property's value)
   * or else {@code environment}, which must be one; {@code testJvmHome} if {@code testJvmFeature}
   * is 21 or later; the newest JDK of {@code jvmDirectory} by its {@code release} file.
   *
   * @throws AssertionError when a named JDK is no Java 21+ JDK, or when none was found
   */
  static Path find(
      String named, String environment, Path testJvmHome, int testJvmFeature, Path jvmDirectory) {
    String given = named != null && !named.isBlank() ? named : environment;
    if (given != null && !given.isBlank()) {
      Path home = Path.of(given.strip());
      int feature = feature(home);
      if (feature < FEATURE || !Files.isExecutable(launcher(home))) {
        throw new AssertionError(
            "The JDK named by -D"
                + PROPERTY
                + " or "
                + ENVIRONMENT
                + " ("
                + home
                + ") is no Java "
                + FEATURE
                + "+ JDK: its release file says "
                + (feature < 0 ? "no JAVA_VERSION" : "Java " + feature)
                + ", or it has no executable bin/java");
      }
      return launcher(home);
    }
    if (testJvmFeature >= FEATURE) {
      return launcher(testJvmHome);
    }
    List<Path> found = new ArrayList<>();
    if (Files.isDirectory(jvmDirectory)) {
      try (DirectoryStream<Path> homes = Files.newDirectoryStream(jvmDirectory)) {
        for (Path home : homes) {
          if (feature(home) >= FEATURE && Files.isExecutable(launcher(home))) {
            found.add(home);
          }
        }
      } catch (IOException e) {
        throw new AssertionError("Could not list " + jvmDirectory + ": " + e, e);
      }
    }
    return found.stream()
        .max(
            Comparator.comparingInt(Java21Runtime::feature)
                .thenComparing(Path::toString, Comparator.reverseOrder()))
        .map(Java21Runtime::launcher)
        .orElseThrow(
            () ->
                new AssertionError(
                    "These cases fork their app on Java "
                        + FEATURE
                        + " or later, and found none: the test JVM is Java "
                        + testJvmFeature
                        + " and no JDK under "
                        + jvmDirectory
                        + " has a release file saying JAVA_VERSION "
                        + FEATURE
                        + " or later. Install one there (CI has Temurin 25), or name its home"
                        + " with -D"
                        + PROPERTY
                        + "=<jdk home> or the environment variable "
                        + ENVIRONMENT
                        + "."));
  }

  /** The feature version the JDK's {@code release} file names, or -1. */
  private static int feature(Path home) {
    try {
      Matcher version =
          JAVA_VERSION.matcher(
              Files.readString(home.resolve("release"), StandardCharsets.ISO_8859_1));
      return version.find() ? Integer.parseInt(version.group(1)) : -1;
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
  }

  private static Path launcher(Path home) {
    return home.resolve("bin").resolve("java");
  }
}
