package io.sluice.javaagent.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testing.etcd.EtcdExtension;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sluice's runtime, etcd client included, runs in a class loader of its own (see {@code
 * io.sluice.javaagent.entry.RuntimeLoader}), which the agent must leave alone as it leaves the
 * extension's own loader alone: its Netty event loops are executors the agent would otherwise
 * rewrite, class by class, to carry the app's trace context into Sluice's etcd traffic.
 */
class RuntimeLoaderIT {

  @RegisterExtension static final EtcdExtension etcd = new EtcdExtension();

  @Test
  void theAgentTransformsNoneOfSluicesRuntimeClasses(@TempDir Path stateDir) throws Exception {
    String service = "it-runtime-loader";
    Map<String, String> properties = AgentApp.withoutExporters(service);
    properties.put("sluice.etcd.endpoints", etcd.endpoint());
    properties.put("sluice.state.dir", stateDir.toString());
    properties.put("otel.javaagent.debug", "true"); // logs every class the agent transforms
    try (AgentApp app = AgentApp.start(AgentApp.sluiceAgentJar(), properties);
        EtcdStatus status = new EtcdStatus(etcd.endpoint())) {
      status.awaitAgent(service, app); // jetcd, gRPC, Netty and Vert.x are loaded by now

      List<String> transformed =
          app.log().lines().filter(line -> line.contains("Transformed ")).toList();
      assertThat(transformed)
          .as("the agent transforms the app's and the JDK's classes, and says so")
          .isNotEmpty();
      assertThat(transformed)
          .as("classes of Sluice's runtime loader")
          .noneMatch(line -> line.contains(" -- io.sluice.javaagent.entry.RuntimeLoader@"))
          .noneMatch(line -> line.contains("Transformed io.sluice.shaded."))
          .noneMatch(line -> line.contains("Transformed io.sluice.sdk."));
    }
  }
}
