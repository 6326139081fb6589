package io.sluice.javaagent.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The two other ways the agent is run that the client suites do not cover: the extension jar on the
 * stock upstream agent ({@code -Dotel.javaagent.extensions=sluice-extension.jar}, the documented
 * alternative to {@code sluice-javaagent.jar}), and the breakers switched off by their
 * instrumentation name while Sluice's sampling and propagation stay on. Rules from a file: no etcd.
 */
class StockAgentIT {

  @TempDir Path dir;

  @Test
  void theExtensionGuardsCallsOnTheStockAgent() throws Exception {
    try (Downstream downstream = Downstream.start()) {
      Map<String, String> properties = withRules("it-stock", downstream);
      properties.put("otel.javaagent.extensions", extensionJar());
      Path temporary = Files.createDirectories(dir.resolve("tmp"));
      properties.put("java.io.tmpdir", temporary.toString());
      Path killed = bridgeCopyOfAnEndedProcess(temporary);
      try (AgentApp app = AgentApp.start(upstreamAgentJar(), properties)) {
        assertThat(app.call("jdk", "GET", downstream.url("/stock/a"), Map.of()).status())
            .isEqualTo(200);
        assertThat(killed).as("the bridge's copy a killed JVM left").doesNotExist();
        try (Stream<Path> files = Files.list(temporary)) {
          assertThat(files.map(f -> f.getFileName().toString()))
              .as("the app's own copy of the bridge")
              .anyMatch(name -> name.startsWith("sluice-bridge-" + app.pid() + "-"));
        }
        assertThat(downstream.lastHeader("X-B3-TraceId"))
            .as("Sluice's propagators write B3 beside traceparent")
            .isNotBlank();
        downstream.answer(500);
        await("the breaker opens on the stock agent")
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(50))
            .until(
                () -> {
                  AppAnswer answer = app.call("jdk", "GET", downstream.url("/stock/a"), Map.of());
                  return answer.failed()
                      && answer.error().contains("Sluice circuit breaker 'stock'");
                });
        assertThat(app.log()).contains("applied the rules file");
      }
    }
  }

  @Test
  void theBreakersCanBeSwitchedOffByName() throws Exception {
    try (Downstream downstream = Downstream.start()) {
      Map<String, String> properties = withRules("it-switched-off", downstream);
      properties.put("otel.instrumentation.sluice-http-client-breakers.enabled", "false");
      try (AgentApp app = AgentApp.start(AgentApp.sluiceAgentJar(), properties)) {
        await("the rules file is applied")
            .atMost(Duration.ofSeconds(30))
            .until(() -> app.log().contains("applied the rules file"));
        downstream.answer(500);
        int before = downstream.requestCount();
        for (int i = 0; i < 10; i++) {
          AppAnswer answer = app.call("jdk", "GET", downstream.url("/stock/a"), Map.of());
          assertThat(answer.status()).as("call %d: %s", i, answer.error()).isEqualTo(500);
        }
        assertThat(downstream.requestCount() - before)
            .as("no breaker: every call reached the server")
            .isEqualTo(10);
        assertThat(downstream.lastHeader("X-B3-TraceId")).as("propagation stays on").isNotBlank();
      }
    }
  }

  /**
   * Where the bridge cannot be put on the bootstrap path (here no temporary directory to write it
   * to), the breakers are off, and so is their advice: calls go out as without Sluice. The advice
   * was still woven in, and every guarded call and pool lease threw and swallowed a {@code
   * NoClassDefFoundError} for the missing bridge, for the life of the JVM. Also with the breakers
   * enabled by name, which overrides a module's default.
   */
  @ParameterizedTest(name = "enabled by name: {0}")
  @ValueSource(booleans = {false, true})
  void withoutTheBridgeNoAdviceRunsAndCallsGoOutAsWithoutSluice(boolean enabledByName)
      throws Exception {
    try (Downstream downstream = Downstream.start()) {
      Map<String, String> properties = withRules("it-no-bridge", downstream);
      properties.put("otel.javaagent.extensions", extensionJar());
      if (enabledByName) {
        properties.put("otel.instrumentation.sluice-http-client-breakers.enabled", "true");
      }
      properties.put("java.io.tmpdir", dir.resolve("missing").toString());
      try (AgentApp app =
          AgentApp.startWithJvmArguments(
              upstreamAgentJar(), properties, List.of("-Xlog:exceptions=info"))) {
        await("the rules file is applied")
            .atMost(Duration.ofSeconds(30))
            .until(() -> app.log().contains("applied the rules file"));
        downstream.answer(500);
        for (int i = 0; i < 10; i++) {
          AppAnswer answer = app.call("jdk", "GET", downstream.url("/stock/a"), Map.of());
          assertThat(answer.status()).as("call %d: %s", i, answer.error()).isEqualTo(500);
        }
        assertThat(app.log()).contains("circuit breakers are off");
        // (the installer's own look for the bridge, a ClassNotFoundException at start, is fine)
        assertThat(
                app.log()
                    .lines()
                    .filter(l -> l.contains("NoClassDefFoundError"))
                    .filter(l -> l.contains("io/sluice/javaagent/bridge")))
            .as("no advice looked for the missing bridge")
            .isEmpty();
      }
    }
  }

  /** A copy of the bootstrap bridge as a JVM killed outright two minutes ago left it. */
  private static Path bridgeCopyOfAnEndedProcess(Path temporary) throws Exception {
    Process ended =
        new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString())
            .redirectErrorStream(true)
            .start();
    ended.getInputStream().readAllBytes();
    ended.waitFor();
    Path copy = temporary.resolve("sluice-bridge-" + ended.pid() + "-1234.jar");
    Files.write(copy, new byte[] {1});
    Files.setLastModifiedTime(copy, FileTime.from(Instant.now().minus(Duration.ofMinutes(2))));
    return copy;
  }

  /** A rules file with a breaker on the downstream's {@code /stock/**}. */
  private Map<String, String> withRules(String service, Downstream downstream) throws Exception {
    Path rules =
        Files.writeString(
            dir.resolve("rules.json"),
            Rules.document(
                service,
                Rules.breaker(
                    "stock", downstream.port(), "/stock/**", "120s", Rules.ERROR, false)));
    Map<String, String> properties = AgentApp.withoutExporters(service);
    properties.put("sluice.rules.file", rules.toString());
    properties.put("sluice.state.dir", dir.resolve("state").toString());
    return properties;
  }

  private static String upstreamAgentJar() {
    return System.getProperty(
        "sluice.upstream.agent.jar", "target/distro/opentelemetry-javaagent.jar");
  }

  private static String extensionJar() {
    return System.getProperty("sluice.extension.jar", "target/sluice-extension.jar");
  }
}
