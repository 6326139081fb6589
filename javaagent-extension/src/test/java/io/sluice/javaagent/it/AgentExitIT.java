package io.sluice.javaagent.it;

import static org.awaitility.Awaitility.await;

import io.sluice.testing.etcd.EtcdExtension;
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
   * The most an exit may take from the app's SIGTERM with etcd frozen: the revoke's 500 ms, plus
   * the JVM's and the agent's own shutdown on a loaded machine. Before, the revoke alone waited 2 s
   * (2.1 to 2.6 s from the end of {@code main} to the exit, measured).
   */
  private static final Duration FROZEN_ETCD_EXIT = Duration.ofMillis(1800);

  @RegisterExtension static final EtcdExtension etcd = new EtcdExtension();

  @Test
  void exitsPromptlyWhenEtcdStopsAnsweringWhileTheStatusLeaseIsHeld(@TempDir Path stateDir)
      throws Exception {
    String service = "it-exit-frozen";
    Map<String, String> properties = AgentApp.withoutExporters(service);
    properties.put("sluice.etcd.endpoints", etcd.endpoint());
    properties.put("sluice.state.dir", stateDir.toString());
    try (AgentApp app = AgentApp.start(AgentApp.sluiceAgentJar(), properties);
        EtcdStatus status = new EtcdStatus(etcd.endpoint())) {
      status.awaitAgent(service, app);

      etcd.server().freeze();
      try {
        long stopping = System.nanoTime();
        app.terminate();
        await("the app exits while etcd is frozen")
            .atMost(FROZEN_ETCD_EXIT)
            .pollInterval(Duration.ofMillis(10))
            .until(() -> !app.isAlive());
        System.out.println(
            "[measure] exit with etcd frozen took "
                + (System.nanoTime() - stopping) / 1_000_000
                + " ms after SIGTERM");
      } finally {
        etcd.server().thaw();
      }
    }
  }
}
