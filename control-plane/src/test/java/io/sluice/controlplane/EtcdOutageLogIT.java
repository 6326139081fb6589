package io.sluice.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.testing.etcd.EtcdServer;
import io.sluice.testing.logging.LogCapture;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

/**
 * The control plane's log while etcd is away: every API call is answered 503 {@code
 * etcd-unavailable}, and each was one WARNING, so a polling browser tab wrote a line every few
 * seconds for as long as the outage lasted. A real control plane on a real etcd, stopped and
 * started again.
 */
class EtcdOutageLogIT {

  private static final String PATH = "/api/v1/services/outage/rules";

  @Test
  void logsOneWarningPerStretchOfUnavailabilityAndOneLineWhenEtcdAnswersAgain() {
    try (EtcdServer etcd = EtcdServer.fromPath()) {
      etcd.start();
      try (RunningControlPlane controlPlane =
              RunningControlPlane.start(
                  ControlPlaneLifecycleIT.withWriter(
                      Map.of(
                          "sluice.etcd.endpoints", etcd.endpoint(), "sluice.etcd.timeout", "2s")));
          LogCapture problems = LogCapture.of("io.sluice.controlplane.web.ProblemAdvice");
          // every line of a stretch under one name operators filter on
          LogCapture outages = LogCapture.of("io.sluice.controlplane.etcd.EtcdOutageLog")) {
        ApiClient api = controlPlane.api();
        assertThat(
                api.put(
                        PATH,
                        ControlPlaneLifecycleIT.WRITER,
                        ControlPlaneApiIT.document(null, 0.4, "d"),
                        Map.of())
                    .status())
            .isEqualTo(200);

        etcd.stop();
        for (int i = 0; i < 4; i++) {
          assertThat(api.get(PATH, ControlPlaneLifecycleIT.WRITER).status()).isEqualTo(503);
        }
        assertThat(outages.messages())
            .as("one stretch of 503s, not ended")
            .singleElement()
            .asString()
            .startsWith("answering 503 to GET " + PATH + ": ")
            .endsWith("(until etcd answers again, further 503s are logged at FINE)");
        assertThat(outages.warnings()).hasSize(1);

        etcd.start();
        await("etcd answers the control plane again")
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(200))
            .until(() -> api.get(PATH, ControlPlaneLifecycleIT.WRITER).status(), s -> s == 200);
        List<String> endings = infos(outages);
        assertThat(endings).isNotEmpty().allMatch(line -> line.startsWith("etcd answers again; "));
        assertThat(endings.get(0))
            .matches("etcd answers again; ([4-9]|\\d\\d+) API calls were answered 503 .*");
        int warned = outages.warnings().size();

        etcd.stop();
        for (int i = 0; i < 3; i++) {
          assertThat(api.get(PATH, ControlPlaneLifecycleIT.WRITER).status()).isEqualTo(503);
        }
        assertThat(outages.warnings()).as("a new stretch, its own warning").hasSize(warned + 1);
        assertThat(problems.warnings()).as("none of the stretch's lines").isEmpty();
      }
    }
  }

  /** The INFO lines of {@code outages}: those that end a stretch. */
  private static List<String> infos(LogCapture outages) {
    return outages.records().stream()
        .filter(r -> r.getLevel() == Level.INFO)
        .map(LogRecord::getMessage)
        .toList();
  }
}
