package io.sluice.javaagent.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With class data sharing on (the JVM's default), every append to the bootstrap class path prints a
 * warning. The distro carries the bootstrap bridge at its root, which the agent appends itself:
 * Sluice appends nothing more, so the warning comes once, and the breakers, which read the bridge,
 * still work.
 */
class BootstrapAppendIT {

  private static final Pattern SHARING_WARNING =
      Pattern.compile(
          "Sharing is only supported for boot loader classes because bootstrap classpath has been"
              + " appended");

  @TempDir Path dir;

  @Test
  void theDistroAppendsToTheBootstrapPathOnceAndItsBreakersWork() throws Exception {
    try (Downstream downstream = Downstream.start()) {
      Path rules =
          Files.writeString(
              dir.resolve("rules.json"),
              Rules.document(
                  "it-append",
                  Rules.breaker(
                      "append", downstream.port(), "/append/**", "120s", Rules.ERROR, false)));
      Map<String, String> properties = AgentApp.withoutExporters("it-append");
      properties.put("sluice.rules.file", rules.toString());
      properties.put("sluice.state.dir", dir.resolve("state").toString());
      try (AgentApp app = AgentApp.start(AgentApp.sluiceAgentJar(), properties)) {
        downstream.answer(500);
        await("the breaker opens: the bridge is on the bootstrap path")
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(50))
            .until(
                () -> {
                  AppAnswer answer = app.call("jdk", "GET", downstream.url("/append/a"), Map.of());
                  return answer.failed()
                      && answer.error().contains("Sluice circuit breaker 'append'");
                });
        assertThat(count(SHARING_WARNING, app.log()))
            .as("the agent's own append only:\n%s", app.log())
            .isEqualTo(1);
      }
    }
  }

  private static int count(Pattern pattern, String text) {
    Matcher matcher = pattern.matcher(text);
    int count = 0;
    while (matcher.find()) {
      count++;
    }
    return count;
  }
}
