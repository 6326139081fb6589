package io.sluice.javaagent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.sdk.autoconfigure.spi.internal.DefaultConfigProperties;
import io.sluice.sdk.config.ConfiguredRules;
import io.sluice.testing.logging.LogCapture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The warning about a service name that can have no rule document names the setting the name came
 * from only when it did come from it: a name from {@code service.name} in {@code
 * otel.resource.attributes} was warned of as {@code otel.service.name=My Svc}, a property the user
 * never set.
 */
class SluiceAgentServiceNameTest {

  @TempDir Path dir;

  private final List<Thread> hooks = new ArrayList<>();

  @AfterEach
  void runHooks() {
    hooks.forEach(Thread::run); // closes whatever a test started
  }

  @Test
  void aNameFromTheResourceAttributesIsNotCalledOtelServiceName() throws Exception {
    assertThat(warningFor(Map.of("otel.resource.attributes", "service.name=My%20Svc,team=a")))
        .startsWith("the service name My Svc can have no rule document of its own");
  }

  @Test
  void aNameFromOtelServiceNameIsCalledSo() throws Exception {
    assertThat(warningFor(Map.of("otel.service.name", "My Svc")))
        .startsWith("otel.service.name=My Svc can have no rule document of its own");
  }

  private String warningFor(Map<String, String> naming) throws Exception {
    Path rules =
        Files.writeString(
            dir.resolve("rules.json"),
            "{\"schemaVersion\":1,\"service\":\"_default\",\"sampling\":{\"defaultRatio\":0.5}}");
    Map<String, String> properties = new java.util.HashMap<>(naming);
    properties.put("sluice.rules.file", rules.toString());
    properties.put("sluice.state.dir", dir.resolve("state").toString());
    try (LogCapture log = LogCapture.of(ConfiguredRules.class)) {
      SluiceAgent agent = new SluiceAgent(hooks::add);
      agent.configure(DefaultConfigProperties.createFromMap(properties));
      agent.startInBackground(MeterProvider.noop());
      return await("the warning")
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  log.messages().stream()
                      .map(String::valueOf)
                      .filter(m -> m.contains("can have no rule document"))
                      .findFirst()
                      .orElse(null),
              m -> m != null);
    }
  }
}
