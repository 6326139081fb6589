package io.sluice.javaagent.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The Vert.x suite on Vert.x 5.0 (the demo's) in place of 5.1 on the test app's class path: its
 * {@code HttpClientImpl} keeps the client's default host and port in its {@code HttpClientOptions}
 * (in {@code HttpClientBase}), which the advice for that layout reads. 5.0 has no {@code
 * HttpClientRequest#cancel}: giving up is {@code reset}, which the suite covers.
 */
class Vertx50HttpClientIT extends VertxHttpClientSuite {

  @Override
  String service() {
    return "it-vertx50";
  }

  @Override
  String appClassPath() {
    List<String> entries = new ArrayList<>();
    for (String entry : System.getProperty("test.app.classpath").split(File.pathSeparator)) {
      if (!fileName(entry).startsWith("vertx-core-")) {
        entries.add(entry);
      }
    }
    Path libs = Path.of(System.getProperty("vertx50.app.libs", "target/vertx50-app-libs"));
    try (Stream<Path> jars = Files.list(libs)) {
      List<String> added = jars.map(Path::toString).sorted().toList();
      if (added.stream().noneMatch(jar -> fileName(jar).equals(coreJar()))) {
        throw new IllegalStateException(coreJar() + " missing: " + added);
      }
      entries.addAll(added);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return String.join(File.pathSeparator, entries);
  }

  /**
   * Guards against testing 5.1 by mistake: 5.0's core is the only Vert.x core on the path. The
   * release comes from the build ({@code vertx50.version}, the demo's {@code vertx.version}), so it
   * is checked to be a 5.0 one: a demo moved to 5.1 would otherwise turn this suite into a second
   * 5.1 run, leaving the 5.0 advice untested with every check passing.
   */
  @Test
  void theAppRunsOnVertx50() throws Exception {
    assertThat(coreJar()).as("the release this suite is for").startsWith("vertx-core-5.0.");
    assertThat(
            Arrays.stream(appClassPath().split(File.pathSeparator))
                .map(Vertx50HttpClientIT::fileName)
                .filter(file -> file.startsWith("vertx-core-") && !file.startsWith("vertx-core-l")))
        .containsExactly(coreJar());
    AppAnswer answer = app.call(client(), "GET", downstream.url("/version"), Map.of());
    assertThat(answer.failed()).as("%s\n%s", answer.error(), app.log()).isFalse();
    assertThat(app.log()).doesNotContain("NoSuchMethodError").doesNotContain("NoSuchFieldError");
  }

  private static String coreJar() {
    return "vertx-core-" + System.getProperty("vertx50.version", "5.0.7") + ".jar";
  }

  private static String fileName(String entry) {
    return Path.of(entry).getFileName().toString();
  }
}
