package io.sluice.javaagent.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where the Java 21+ cases find their JDK, on JDK homes made up in a temporary directory: a {@code
 * release} file and an executable {@code bin/java}, as the JDKs under {@code /usr/lib/jvm} have.
 */
class Java21RuntimeTest {

  @TempDir Path jvms;

  private final Path testJvm17 = Path.of("/test-jvm-17");

  @Test
  void takesTheNewestJdkOfTheDirectoryWhenTheTestJvmIsOlder() throws IOException {
    jdk("java-17-openjdk-amd64", "17.0.15");
    jdk("temurin-21-jdk-amd64", "21.0.7");
    Path java25 = jdk("temurin-25-jdk-amd64", "25.0.3");

    assertThat(Java21Runtime.find(null, null, testJvm17, 17, jvms)).isEqualTo(java25);
  }

  @Test
  void takesTheTestJvmWhenItIsJava21OrLater() throws IOException {
    jdk("temurin-25-jdk-amd64", "25.0.3");
    Path home = Path.of("/test-jvm-21");

    assertThat(Java21Runtime.find(null, null, home, 21, jvms)).isEqualTo(home.resolve("bin/java"));
  }

  @Test
  void theNamedJdkWinsThePropertyOverTheEnvironment() throws IOException {
    jdk("temurin-25-jdk-amd64", "25.0.3");
    Path named = jdk("named-22", "22");
    Path environment = jdk("environment-23", "23.0.1");

    assertThat(
            Java21Runtime.find(
                home(named).toString(), home(environment).toString(), testJvm17, 17, jvms))
        .isEqualTo(named);
    assertThat(Java21Runtime.find(null, home(environment).toString(), testJvm17, 17, jvms))
        .isEqualTo(environment);
  }

  @Test
  void aNamedJdkOlderThan21Fails() throws IOException {
    Path named = jdk("named-17", "17.0.15");
    jdk("temurin-25-jdk-amd64", "25.0.3");

    assertThatThrownBy(() -> Java21Runtime.find(home(named).toString(), null, testJvm17, 17, jvms))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining(home(named).toString())
        .hasMessageContaining("Java 17");
  }

  @Test
  void leavesOutJdksWithoutALauncherOrAVersion() throws IOException {
    Path noLauncher = jvms.resolve("no-launcher-25");
    Files.createDirectories(noLauncher);
    Files.writeString(noLauncher.resolve("release"), "JAVA_VERSION=\"25.0.3\"\n");
    Path noRelease = jvms.resolve("no-release");
    Files.createDirectories(noRelease.resolve("bin"));
    executable(noRelease.resolve("bin/java"));

    assertThatThrownBy(() -> Java21Runtime.find(null, null, testJvm17, 17, jvms))
        .isInstanceOf(AssertionError.class);
  }

  @Test
  void failsSayingHowToProvideOneWhenThereIsNone() throws IOException {
    jdk("java-17-openjdk-amd64", "17.0.15");

    assertThatThrownBy(() -> Java21Runtime.find(null, " ", testJvm17, 17, jvms))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("the test JVM is Java 17")
        .hasMessageContaining(jvms.toString())
        .hasMessageContaining("-Dsluice.test.jdk21=<jdk home>")
        .hasMessageContaining("SLUICE_TEST_JDK21");
  }

  @Test
  void failsWhenTheDirectoryIsMissing() {
    assertThatThrownBy(() -> Java21Runtime.find(null, null, testJvm17, 17, jvms.resolve("missing")))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("-Dsluice.test.jdk21");
  }

  /** Makes a JDK home {@code name} of {@code version}; answers its launcher. */
  private Path jdk(String name, String version) throws IOException {
    Path home = jvms.resolve(name);
    Files.createDirectories(home.resolve("bin"));
    Files.writeString(
        home.resolve("release"),
        "IMPLEMENTOR=\"Test\"\nJAVA_VERSION=\"" + version + "\"\nJAVA_VERSION_DATE=\"2026\"\n");
    return executable(home.resolve("bin/java"));
  }

  private static Path executable(Path file) throws IOException {
    Files.writeString(file, "#!/bin/sh\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    return file;
  }

  private static Path home(Path launcher) {
    return launcher.getParent().getParent();
  }
}
