package io.sluice.javaagent.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.javaagent.testapp.UrlConnectionOnlyApp;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A runtime without the {@code java.net.http} module (a jlink image, a modular app that does not
 * require it) loses only the JDK client's guard: the other clients' calls are guarded. Before, the
 * JDK client's answers were linked first, failed, and left every client unguarded, with one warning
 * at start and breakers that never opened.
 */
class WithoutJdkHttpClientIT {

  @TempDir Path dir;

  @Test
  void aRuntimeWithoutTheJdkHttpClientStillGuardsTheOtherClients() throws Exception {
    try (Downstream downstream = Downstream.start()) {
      downstream.answer(500);
      Path rules =
          Files.writeString(
              dir.resolve("rules.json"),
              Rules.document(
                  "it-no-jdk-http",
                  Rules.breaker(
                      "no-jdk-http",
                      downstream.port(),
                      "/limited/**",
                      "120s",
                      Rules.ERROR,
                      false)));
      Map<String, String> properties = AgentApp.withoutExporters("it-no-jdk-http");
      properties.put("sluice.rules.file", rules.toString());
      properties.put("sluice.state.dir", dir.resolve("state").toString());
      properties.put("java.io.tmpdir", Files.createDirectories(dir.resolve("tmp")).toString());

      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.addAll(AgentApp.LEAN_JVM);
      command.add("--limit-modules");
      command.add(modulesWithoutJdkHttp());
      command.add("-javaagent:" + AgentApp.sluiceAgentJar());
      properties.forEach((key, value) -> command.add("-D" + key + "=" + value));
      command.add("-cp");
      command.add(System.getProperty("test.app.classpath"));
      command.add(UrlConnectionOnlyApp.class.getName());
      command.add(downstream.url("/limited/a"));
      Path log = dir.resolve("app.log");
      Process app =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      try {
        assertThat(app.waitFor(90, TimeUnit.SECONDS)).as("the app ends").isTrue();
      } finally {
        app.destroyForcibly();
      }
      String output = Files.readString(log, StandardCharsets.UTF_8);
      assertThat(output)
          .as(output)
          .contains("java.net.http: absent")
          .contains("REJECTED Sluice circuit breaker 'no-jdk-http'")
          .doesNotContain("could not connect its breakers");
    }
  }

  /** Every module of this JDK but {@code java.net.http} and {@code java.se}, which requires it. */
  private static String modulesWithoutJdkHttp() {
    return ModuleFinder.ofSystem().findAll().stream()
        .map(ModuleReference::descriptor)
        .map(d -> d.name())
        .filter(name -> !name.equals("java.net.http") && !name.equals("java.se"))
        .sorted()
        .collect(Collectors.joining(","));
  }
}
