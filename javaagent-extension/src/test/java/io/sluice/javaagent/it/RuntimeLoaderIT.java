package io.sluice.javaagent.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testing.etcd.EtcdExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sluice's runtime, etcd client included, runs in a class loader of its own (see {@code
 * io.sluice.javaagent.entry.RuntimeLoader}), which the agent must leave alone as it leaves the
 * extension's own loader alone: its Netty event loops are executors the agent would otherwise
 * rewrite, class by class, to carry the app's trace context into Sluice's etcd traffic.
 *
 * <p>The app also shows where the one-jar agent extracts its embedded extension (~19 MB at every
 * start): into the app's {@code java.io.tmpdir}, which {@link AgentApp} gives each app in the
 * build's directory and deletes once the app stopped. Before, it was {@code /tmp}, where an app
 * killed outright left its copy.
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
    Path temporaryDirectory;
    Path log;
    try (AgentApp app = AgentApp.start(AgentApp.sluiceAgentJar(), properties);
        EtcdStatus status = new EtcdStatus(etcd.endpoint())) {
      status.awaitAgent(service, app); // jetcd, gRPC, Netty and Vert.x are loaded by now
      temporaryDirectory = app.temporaryDirectory();
      log = app.logFile();
      try (Stream<Path> entries = Files.list(temporaryDirectory)) {
        assertThat(entries.map(entry -> entry.getFileName().toString()))
            .as("the agent's extracted extension, in the app's own temporary directory")
            .anyMatch(name -> name.startsWith("otel-extensions"));
      }

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
    assertThat(temporaryDirectory)
        .as("the app's temporary directory, once it stopped")
        .doesNotExist();
    assertThat(log).as("the app's log, named in the test's output").isRegularFile();
  }
}
