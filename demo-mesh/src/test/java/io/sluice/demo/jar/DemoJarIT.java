package io.sluice.demo.jar;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged {@code demo-mesh/target/sluice-demo.jar}: where the Dockerfile and demo.sh expect
 * it, runnable, and free of everything the agent brings itself (OpenTelemetry, protobuf) or the
 * static tests use (Envoy API, SnakeYAML): those are test scope only.
 */
class DemoJarIT {
  private static final Path JAR = Path.of("target/sluice-demo.jar");

  /**
   * The jar's JVMs' {@code java.io.tmpdir}, deleted with what is in it after each test: a service
   * starts Vert.x, whose {@code vertx-cache-*} a JVM killed at the bound would leave in {@code
   * /tmp}.
   */
  @TempDir Path temporaryDirectory;

  @Test
  void isARunnableJarWithoutOpenTelemetryProtobufOrTestLibraries() throws IOException {
    assertThat(JAR).isRegularFile();
    try (JarFile jar = new JarFile(JAR.toFile())) {
      assertThat(jar.getManifest().getMainAttributes().getValue("Main-Class"))
          .isEqualTo("io.sluice.demo.DemoMain");
      List<String> entries = jar.stream().map(entry -> entry.getName()).toList();
      assertThat(entries)
          .contains("io/sluice/demo/DemoMain.class", "io/vertx/ext/web/client/WebClient.class")
          .noneMatch(name -> name.startsWith("io/opentelemetry/"))
          .noneMatch(name -> name.startsWith("com/google/protobuf/"))
          .noneMatch(name -> name.startsWith("io/envoyproxy/"))
          .noneMatch(name -> name.startsWith("org/yaml/"))
          .noneMatch(
              name ->
                  name.startsWith("io/sluice/")
                      && !name.equals("io/sluice/")
                      && !name.startsWith("io/sluice/demo/"));
    }
  }

  @Test
  void printsUsageAndRejectsBadFlagsListingEveryProblem() throws Exception {
    Run help = run("--help");
    assertThat(help.status()).isZero();
    assertThat(help.output()).contains("usage: java -jar sluice-demo.jar <command>");

    Run invalid = run("payments", "--port", "x", "--error-rate", "2", "--orders-url", "http://o");
    assertThat(invalid.status()).isEqualTo(2);
    assertThat(invalid.output())
        .contains("--port 'x' is not a whole number")
        .contains("--error-rate '2' must be between 0.0 and 1.0")
        .contains("unknown flag --orders-url");
  }

  @Test
  void helpAfterACommandPrintsTheUsageInsteadOfAskingForAValue() throws Exception {
    Run help = run("gateway", "--help");

    assertThat(help.status()).isZero();
    assertThat(help.output())
        .contains("usage: java -jar sluice-demo.jar <command>")
        .doesNotContain("needs a value");
  }

  @Test
  void aServiceWhosePortIsTakenSaysWhichAndWhatToDo() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Run run = run("payments", "--host", "127.0.0.1", "--port", "" + taken.getLocalPort());

      assertThat(run.status()).isEqualTo(1);
      assertThat(run.output())
          .contains("payments could not start: cannot listen on 127.0.0.1:" + taken.getLocalPort())
          .contains("choose another port with --port");
    }
  }

  private record Run(int status, String output) {}

  private Run run(String... args) throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.io.tmpdir=" + temporaryDirectory,
                "-jar",
                JAR.toString()));
    command.addAll(List.of(args));
    // output to a file, so that a process that never exits fails the bounded wait instead of
    // blocking a read of its output forever
    Path log = Files.createTempFile(Path.of("target"), "demo-jar-", ".log");
    try {
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      boolean exited;
      try {
        exited = process.waitFor(60, TimeUnit.SECONDS);
      } finally {
        process.destroyForcibly(); // one that did not exit must not outlive the test
      }
      String output = Files.readString(log, StandardCharsets.UTF_8);
      assertThat(exited).as("java -jar sluice-demo.jar exits within 60 s:%n%s", output).isTrue();
      return new Run(process.exitValue(), output);
    } finally {
      Files.deleteIfExists(log);
    }
  }
}
