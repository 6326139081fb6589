package io.sluice.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.controlplane.etcd.EtcdOutageLog;
import io.sluice.testing.etcd.EtcdServer;
import io.sluice.testing.logging.LogCapture;
import java.time.Duration;
import java.util.Map;
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
          LogCapture outages = LogCapture.of(EtcdOutageLog.class)) {
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
        assertThat(problems.warnings())
            .as("one stretch of 503s")
            .singleElement()
            .asString()
            .startsWith("answering 503 to GET " + PATH + ": ")
            .endsWith("(until etcd answers again, further 503s are logged at FINE)");
        assertThat(outages.messages()).isEmpty();

        etcd.start();
        await("etcd answers the control plane again")
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(200))
            .until(() -> api.get(PATH, ControlPlaneLifecycleIT.WRITER).status(), s -> s == 200);
        assertThat(outages.messages())
            .isNotEmpty()
            .allMatch(line -> line.startsWith("etcd answers again; "));
        assertThat(outages.messages().get(0))
            .matches("etcd answers again; ([4-9]|\\d\\d+) API calls were answered 503 .*");
        int warned = problems.warnings().size();

        etcd.stop();
        for (int i = 0; i < 3; i++) {
          assertThat(api.get(PATH, ControlPlaneLifecycleIT.WRITER).status()).isEqualTo(503);
        }
        assertThat(problems.warnings()).as("a new stretch, its own warning").hasSize(warned + 1);
      }
    }
  }
}
