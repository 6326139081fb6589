package io.sluice.javaagent.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.rules.wire.EtcdKeys;
import io.sluice.testing.etcd.EtcdExtension;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * An app packaged as one jar and started with the Sluice agent but no service name: the agent's
 * resource detectors name its spans' service after the jar, and Sluice selects its rules and
 * reports its status by that name too. Before, the configuration was refused ({@code
 * otel.service.name} is required with etcd), and the app ran without etcd on the built-in defaults
 * while its traces named a service whose rules an operator could write but never see applied.
 */
class DetectedServiceNameIT {

  @RegisterExtension static final EtcdExtension etcd = new EtcdExtension();

  @Test
  void anAppWithoutAServiceNameRunsTheRulesOfTheNameItsJarGivesItsSpans(@TempDir Path dir)
      throws Exception {
    String service = "detected-it";
    try (Downstream downstream = Downstream.start()) {
      String fallback = "{\"mode\":\"response\",\"status\":503,\"body\":\"by the jar's name\"}";
      long revision =
          etcd.server()
              .put(
                  EtcdKeys.defaults().rules(service),
                  Rules.document(
                      service,
                      Rules.breaker(
                          "detected", downstream.port(), "/d/**", "30s", fallback, false)));
      Map<String, String> properties = AgentApp.withoutExporters(service);
      properties.remove("otel.service.name");
      properties.put("sluice.etcd.endpoints", etcd.endpoint());
      properties.put("sluice.state.dir", dir.resolve("state").toString());

      try (AgentApp app =
              AgentApp.startFromJar(
                  AgentApp.sluiceAgentJar(), properties, dir.resolve(service + ".jar"));
          EtcdStatus status = new EtcdStatus(etcd.endpoint())) {
        status.awaitAgent(service, app);
        status.awaitApplied(service, revision, app);

        downstream.answer(500);
        AppAnswer answer =
            app.awaitFallback(
                "the service's breaker opens", downstream.url("/d/x"), "by the jar's name");
        assertThat(answer.status()).isEqualTo(503);
        assertThat(app.log())
            .contains(
                "so Sluice selects rules by '" + service + "', the name OpenTelemetry detected")
            .doesNotContain("invalid configuration");
      }
    }
  }
}
