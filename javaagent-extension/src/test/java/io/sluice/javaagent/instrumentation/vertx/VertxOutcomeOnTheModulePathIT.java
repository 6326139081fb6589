package io.sluice.javaagent.instrumentation.vertx;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link VertxOutcome#closing} reads Vert.x's {@code HttpClientBase.closeSequence} by reflection,
 * which a Vert.x on the module path refuses (its {@code io.vertx.core.http.impl} is not opened):
 * there the messages Vert.x fails a closed client's requests with must still tell. A real Vert.x
 * client, in a forked JVM with Vert.x and Netty on the module path and then on the class path,
 * closes while a request waits in its pool (see {@link ClosedClientProbe}).
 */
class VertxOutcomeOnTheModulePathIT {

  /**
   * The probe's {@code java.io.tmpdir}, deleted with what is in it after each test: the probe
   * starts Vert.x, whose {@code vertx-cache-*} a probe killed at the bound would leave in {@code
   * /tmp}.
   */
  @TempDir Path temporaryDirectory;

  @Test
  void onTheModulePathTheClosedClientsMessageStillTells() throws Exception {
    List<String> modulePath = new ArrayList<>();
    List<String> classPath = new ArrayList<>(List.of(Path.of("target/classes").toString()));
    for (String entry : appClassPath()) {
      String name = Path.of(entry).getFileName().toString();
      (name.startsWith("vertx-") || name.startsWith("netty-") ? modulePath : classPath).add(entry);
    }
    assertThat(modulePath).anyMatch(jar -> jar.contains("vertx-core-5"));

    String said =
        probe(
            "--module-path",
            String.join(File.pathSeparator, modulePath),
            "--add-modules",
            "io.vertx.core",
            "-cp",
            String.join(File.pathSeparator, classPath));

    assertThat(said)
        .contains("module=io.vertx.core")
        .as("the field is not readable from outside the module: the messages tell")
        .contains("closing=false")
        .contains("report=discarded");
  }

  @Test
  void onTheClassPathTheClientSaysItIsClosing() throws Exception {
    List<String> classPath = new ArrayList<>(List.of(Path.of("target/classes").toString()));
    classPath.addAll(appClassPath());

    String said = probe("-cp", String.join(File.pathSeparator, classPath));

    assertThat(said).contains("module=null").contains("closing=true").contains("report=discarded");
  }

  private static List<String> appClassPath() {
    return List.of(System.getProperty("test.app.classpath").split(File.pathSeparator));
  }

  /** What {@link ClosedClientProbe} printed, run with {@code options}; fails if it failed. */
  private String probe(String... options) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xshare:auto");
    command.add("-Djava.io.tmpdir=" + temporaryDirectory);
    command.addAll(List.of(options));
    command.add(ClosedClientProbe.class.getName());
    Path output = Files.createTempFile(temporaryDirectory, "closed-client-probe", ".log");
    try {
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(output.toFile())
              .start();
      process.getOutputStream().close();
      boolean ended = process.waitFor(60, TimeUnit.SECONDS);
      if (!ended) {
        process.destroyForcibly();
      }
      String said = Files.readString(output, StandardCharsets.UTF_8);
      assertThat(ended).as("the probe ended within 60 s: %s", said).isTrue();
      assertThat(process.exitValue()).as(said).isZero();
      return said;
    } finally {
      Files.deleteIfExists(output);
    }
  }
}
