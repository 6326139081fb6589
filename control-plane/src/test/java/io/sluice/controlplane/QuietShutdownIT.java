package io.sluice.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.sluice.testing.etcd.EtcdServer;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A control plane stopped while etcd is away stops quietly: jetcd logged a WARN {@code retry
 * failure} line for every read the control plane had already given up on after its deadline (about
 * thirty after a few API calls and health checks), as the closing client failed them, which read
 * like an error of the shutdown. The reads still waiting are cancelled before the client closes.
 */
class QuietShutdownIT {

  @Test
  void readsGivenUpOnAreNotLoggedAsFailuresWhenTheControlPlaneStops() {
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    ch.qos.logback.classic.Logger jetcd =
        (ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.etcd.jetcd");
    try (EtcdServer later = EtcdServer.fromPath()) {
      later.start(); // for its ports, kept across a stop
      later.stop();
      try (RunningControlPlane down =
          RunningControlPlane.start(
              ControlPlaneLifecycleIT.withWriter(
                  Map.of(
                      "sluice.etcd.endpoints", later.endpoint(), "sluice.etcd.timeout", "1s")))) {
        jetcd.addAppender(logged);
        for (int i = 0; i < 3; i++) {
          // each gives up on a read after the deadline, the read itself waiting for a connection
          assertThat(
                  down.api()
                      .get("/api/v1/services/checkout/rules", ControlPlaneLifecycleIT.WRITER)
                      .status())
              .isEqualTo(503);
          assertThat(down.api().get("/actuator/health", null).status()).isEqualTo(503);
        }
      } // the client closes here
    } finally {
      jetcd.detachAppender(logged);
    }
    assertThat(logged.list)
        .filteredOn(event -> event.getLevel().isGreaterOrEqual(Level.WARN))
        .extracting(ILoggingEvent::getFormattedMessage)
        .isEmpty();
  }
}
