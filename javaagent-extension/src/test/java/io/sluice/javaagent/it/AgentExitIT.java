package io.sluice.javaagent.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.testing.etcd.EtcdExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * How long the agent holds up the exit of the app it runs in. Its shutdown hook revokes the status
 * lease and stops the rule source; with etcd not answering, each of those waits only a bounded
 * time, as the key expires with its lease anyway.
 */
class AgentExitIT {

  /**
   * The most an exit with etcd frozen may take beyond the same app's exit with etcd answering: the
   * revoke's 500 ms and the rule source's 250 ms, with room for a loaded machine. Before, the
   * revoke alone waited 2 s (2.1 to 2.6 s from the end of {@code main} to the exit, measured).
   * Measured beside an exit with etcd answering, not alone: on a loaded machine (load ~18) the
   * JVM's own exit takes most of a second too, which an absolute bound of 1.8 s left too little
   * room for.
   */
  private static final Duration BEYOND_AN_ANSWERING_ETCD = Duration.ofMillis(1500);

  @RegisterExtension static final EtcdExtension etcd = new EtcdExtension();

  @Test
  void exitsPromptlyWhenEtcdStopsAnsweringWhileTheStatusLeaseIsHeld(@TempDir Path stateDir)
      throws Exception {
    long answering = exitMillis(stateDir.resolve("answering"), "it-exit-answering", false);
    long frozen = exitMillis(stateDir.resolve("frozen"), "it-exit-frozen", true);
    System.out.println(
        "[measure] exit after SIGTERM: "
            + frozen
            + " ms with etcd frozen, "
            + answering
            + " ms with etcd answering");
    assertThat(frozen - answering)
        .as("ms an exit with etcd frozen (%d ms) takes beyond one with etcd answering", frozen)
        .isLessThan(BEYOND_AN_ANSWERING_ETCD.toMillis());
  }

  /**
   * Starts an app with the agent, waits for its status key, and returns the milliseconds from its
   * SIGTERM to its exit, with etcd {@code frozen} meanwhile or answering.
   */
  private static long exitMillis(Path stateDir, String service, boolean frozen) throws Exception {
    Map<String, String> properties = AgentApp.withoutExporters(service);
    properties.put("sluice.etcd.endpoints", etcd.endpoint());
    properties.put("sluice.state.dir", Files.createDirectories(stateDir).toString());
    try (AgentApp app = AgentApp.start(AgentApp.sluiceAgentJar(), properties);
        EtcdStatus status = new EtcdStatus(etcd.endpoint())) {
      status.awaitAgent(service, app);

      if (frozen) {
        etcd.server().freeze();
      }
      try {
        long stopping = System.nanoTime();
        app.terminate();
        await("the app exits")
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(10))
            .until(() -> !app.isAlive());
        return (System.nanoTime() - stopping) / 1_000_000;
      } finally {
        etcd.server().thaw();
      }
    }
  }
}
