package io.sluice.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.etcd.jetcd.KeyValue;
import io.sluice.controlplane.etcd.EtcdGateway;
import io.sluice.controlplane.etcd.EtcdUnavailableException;
import io.sluice.controlplane.etcd.PrefixWatch;
import io.sluice.controlplane.etcd.PrefixWatches;
import io.sluice.controlplane.etcd.TestGateways;
import io.sluice.testing.etcd.EtcdServer;
import io.sluice.testing.logging.LogCapture;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.SmartLifecycle;

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

  /**
   * A mirror's watch still open when the control plane stops (one its feature's {@code stop()} did
   * not close) ends before the etcd client closes, and says nothing: the client's {@code close()}
   * tells every open watch it completed, which the watch took for a break, and it went on to read
   * the closed client.
   */
  @Test
  void aWatchStillOpenWhenTheControlPlaneStopsEndsBeforeTheClientQuietly() {
    Logger logger = Logger.getLogger(PrefixWatch.class.getName());
    java.util.logging.Level level = logger.getLevel();
    try (EtcdServer etcd = EtcdServer.fromPath();
        LogCapture log = LogCapture.of(PrefixWatch.class)) {
      etcd.start();
      List<LogRecord> fromTheStop;
      try (RunningControlPlane up =
          RunningControlPlane.start(
              ControlPlaneLifecycleIT.withWriter(
                  Map.of("sluice.etcd.endpoints", etcd.endpoint())))) {
        PrefixWatch open = up.bean(PrefixWatches.class).start("left-open", "/left-open/", IGNORED);
        assertThat(open.awaitFirstRead(Duration.ofSeconds(30))).isTrue();
        logger.setLevel(java.util.logging.Level.FINE);
        int before = log.records().size();
        up.close(); // the client closes here
        List<LogRecord> all = log.records();
        fromTheStop = all.subList(before, all.size());
      }
      assertThat(fromTheStop)
          .as("the watches said, from the stop on")
          .extracting(r -> r.getLevel() + " " + r.getMessage())
          .isEmpty();
    } finally {
      logger.setLevel(level);
    }
  }

  /**
   * A call through the gateway once the etcd client is closed (a request or a health check still
   * running as the control plane stops) failed with jetcd's {@code rejected from … Terminated},
   * worded as an etcd outage. It is refused as what it is, the client closed, and health says so.
   */
  @Test
  void callsAfterTheClientClosedAreRefusedAsSuch() {
    try (EtcdServer etcd = EtcdServer.fromPath()) {
      etcd.start();
      EtcdGateway gateway;
      HealthIndicator health;
      try (RunningControlPlane up =
          RunningControlPlane.start(
              ControlPlaneLifecycleIT.withWriter(
                  Map.of("sluice.etcd.endpoints", etcd.endpoint())))) {
        gateway = up.bean(EtcdGateway.class);
        health = up.bean("etcdHealthIndicator", HealthIndicator.class);
        gateway.getPrefix(gateway.keys().rulesPrefix()); // answered while it runs
      } // the client closes here

      assertThatThrownBy(() -> gateway.getPrefix(gateway.keys().rulesPrefix()))
          .isInstanceOfSatisfying(
              EtcdUnavailableException.class,
              e -> {
                assertThat(e.getMessage())
                    .startsWith("the etcd client is closed")
                    .doesNotContain("rejected");
                assertThat(e.outcomeUnknown()).isFalse();
              });
      // health's answer stands a second: the next one is read after the close
      await("health reads the closed client")
          .atMost(Duration.ofSeconds(10))
          .until(() -> health.health().getDetails().get("error"), error -> error != null);
      assertThat(health.health().getStatus()).isEqualTo(Status.DOWN);
      assertThat(health.health().getDetails().get("error"))
          .asString()
          .startsWith("the etcd client is closed")
          .doesNotContain("rejected");
    }
  }

  /**
   * A call still waiting for etcd when the control plane stops is cancelled by the stop, a little
   * before the client closes ({@code OutstandingCalls}): it failed as {@code etcd call failed (…):
   * CANCELLED: the control plane is stopping}, which the API answered and counted as an etcd outage
   * (a WARNING stretch at the stop). It fails as the client's close.
   */
  @Test
  void aCallTheStopCancelsFailsAsTheClientClosed() throws Exception {
    try (EtcdServer etcd = EtcdServer.fromPath()) {
      etcd.start();
      CompletableFuture<Throwable> waiting;
      try (RunningControlPlane up =
          RunningControlPlane.start(
              ControlPlaneLifecycleIT.withWriter(
                  Map.of(
                      "sluice.etcd.endpoints", etcd.endpoint(), "sluice.etcd.timeout", "30s")))) {
        EtcdGateway gateway = up.bean(EtcdGateway.class);
        SmartLifecycle calls = up.bean("etcdOutstandingCalls", SmartLifecycle.class);
        gateway.getPrefix(gateway.keys().rulesPrefix()); // answered while it runs
        etcd.freeze(); // connected, but answers nothing
        int before = TestGateways.waitingCalls(calls);
        waiting =
            CompletableFuture.supplyAsync(
                () -> catchThrowable(() -> gateway.getPrefix(gateway.keys().rulesPrefix())));
        await("the read waits for etcd")
            .atMost(Duration.ofSeconds(10))
            .until(() -> TestGateways.waitingCalls(calls), n -> n > before);
      } finally { // the stop cancels the read, then the client closes
        etcd.thaw();
      }
      assertThat(waiting.get(10, TimeUnit.SECONDS))
          .isInstanceOfSatisfying(
              EtcdUnavailableException.class,
              e -> {
                assertThat(e.clientClosed()).as(e.getMessage()).isTrue();
                assertThat(e.getMessage())
                    .startsWith("the etcd client is closed: the control plane is stopping (read");
              });
    }
  }

  /**
   * A request still waiting for etcd when the graceful shutdown's time is up is interrupted by the
   * web server's stop: the gateway's wait failed as "interrupted while waiting for etcd", which the
   * API answered as an etcd outage, a WARNING opening a stretch of 503s at every such stop. It is
   * said at FINE, as the stop it is, and opens no stretch.
   */
  @Test
  void aRequestTheStopInterruptsIsNoEtcdOutage() {
    String history = "/api/v1/services/checkout/rules/history";
    Logger problemLog = Logger.getLogger("io.sluice.controlplane.web.ProblemAdvice");
    java.util.logging.Level level = problemLog.getLevel();
    try (EtcdServer etcd = EtcdServer.fromPath();
        LogCapture problems = LogCapture.of(problemLog.getName());
        LogCapture outages = LogCapture.of("io.sluice.controlplane.etcd.EtcdOutageLog")) {
      etcd.start();
      problemLog.setLevel(java.util.logging.Level.FINE);
      try (RunningControlPlane up =
          RunningControlPlane.start(
              ControlPlaneLifecycleIT.withWriter(
                  Map.of(
                      "sluice.etcd.endpoints",
                      etcd.endpoint(),
                      "sluice.etcd.timeout",
                      "20s",
                      "spring.lifecycle.timeout-per-shutdown-phase",
                      "1s")))) {
        EtcdGateway gateway = up.bean(EtcdGateway.class);
        SmartLifecycle calls = up.bean("etcdOutstandingCalls", SmartLifecycle.class);
        gateway.getPrefix(gateway.keys().rulesPrefix()); // answered while it runs
        etcd.freeze(); // connected, but answers nothing
        int before = TestGateways.waitingCalls(calls);
        ApiClient api = up.api();
        CompletableFuture.runAsync(
            () -> catchThrowable(() -> api.get(history, ControlPlaneLifecycleIT.WRITER)));
        await("the request waits for etcd")
            .atMost(Duration.ofSeconds(10))
            .until(() -> TestGateways.waitingCalls(calls), n -> n > before);
      } finally { // the web server's stop interrupts the request after 1 s
        etcd.thaw();
      }
      await("the interrupted request is answered")
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  Stream.concat(problems.records().stream(), outages.records().stream())
                      .anyMatch(r -> r.getMessage().startsWith("answering 503 to GET " + history)));
      assertThat(outages.records())
          .as("no stretch of an etcd outage")
          .extracting(r -> r.getLevel() + " " + r.getMessage())
          .isEmpty();
      assertThat(problems.records())
          .filteredOn(r -> r.getMessage().startsWith("answering 503 to GET " + history))
          .singleElement()
          .satisfies(
              r -> {
                assertThat(r.getLevel()).isEqualTo(java.util.logging.Level.FINE);
                assertThat(r.getMessage())
                    .startsWith(
                        "answering 503 to GET "
                            + history
                            + ": interrupted while waiting for etcd, as the control plane stops");
              });
    } finally {
      problemLog.setLevel(level);
    }
  }

  private static final PrefixWatch.Listener IGNORED =
      new PrefixWatch.Listener() {
        @Override
        public void reset(Map<String, KeyValue> snapshot, long revision) {}

        @Override
        public void put(KeyValue kv) {}

        @Override
        public void delete(String key, long revision) {}
      };
}
