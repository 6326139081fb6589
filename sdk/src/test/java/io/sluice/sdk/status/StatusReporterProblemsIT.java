package io.sluice.sdk.status;

import static io.sluice.sdk.EtcdWithAuth.then;
import static io.sluice.sdk.EtcdWithAuth.warnings;
import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.Client;
import io.sluice.sdk.ActiveRules;
import io.sluice.sdk.ActiveRulesHolder;
import io.sluice.sdk.EtcdWithAuth;
import io.sluice.testing.etcd.EtcdServer;
import io.sluice.testing.logging.LogCapture;
import java.time.Duration;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An agent whose etcd both refuses its credentials and goes down, against a real etcd with
 * authentication on: the status reporter warns of each of the two problems once per stretch of
 * failed writes, whichever comes first and however often etcd flips between them.
 */
class StatusReporterProblemsIT {

  private static final String KEY = "/sluice/v1/agents/orders/orders-1";
  private static final String REFUSES = "etcd refuses this agent the status " + KEY;
  private static final String UNREACHABLE = "could not write the agent status " + KEY;
  private static final String STILL_REFUSES = "etcd still refuses this agent the status " + KEY;
  private static final String STILL_UNREACHABLE = "still could not write the agent status " + KEY;

  private static final Logger reporterLogger = Logger.getLogger(StatusReporter.class.getName());

  private static EtcdServer etcd;

  private Level levelBefore;
  private Client client;
  private StatusReporter reporter;

  @BeforeAll
  static void startEtcdWithAuthentication() {
    etcd = EtcdWithAuth.start();
  }

  @AfterAll
  static void stopEtcd() {
    if (etcd != null) {
      etcd.close();
    }
  }

  @BeforeEach
  void seeEveryAttempt() {
    levelBefore = reporterLogger.getLevel();
    reporterLogger.setLevel(Level.FINE);
    client = EtcdWithAuth.clientWithAWrongPassword(etcd);
  }

  @AfterEach
  void closeAndRestart() {
    if (reporter != null) {
      reporter.close();
    }
    client.close();
    reporterLogger.setLevel(levelBefore);
    if (!etcd.isRunning()) {
      etcd.start();
    }
  }

  @Test
  void warnsOfARefusalAndOfAnOutageOnceEachThoughEtcdFlipsBetweenThem() {
    try (LogCapture log = LogCapture.of(StatusReporter.class)) {
      then(log, this::start, REFUSES);
      // before, one flag covered both: the outage that followed the refusal was never said
      then(log, etcd::stop, UNREACHABLE);
      then(log, etcd::start, STILL_REFUSES);
      then(log, etcd::stop, STILL_UNREACHABLE);
      then(log, etcd::start, STILL_REFUSES);

      assertThat(warnings(log))
          .as("one warning per problem, though etcd flipped between them twice")
          .hasSize(2)
          .anySatisfy(m -> assertThat(m).startsWith(REFUSES).contains("authentication failed"))
          .anySatisfy(m -> assertThat(m).startsWith(UNREACHABLE));
    }
  }

  @Test
  void warnsOfARefusalThatFollowsAnOutage() {
    etcd.stop();
    try (LogCapture log = LogCapture.of(StatusReporter.class)) {
      then(log, this::start, UNREACHABLE);
      // what the operator must fix, not an outage to wait out: said, though the stretch began as
      // an outage
      then(log, etcd::start, REFUSES);
      then(log, etcd::stop, STILL_UNREACHABLE);

      assertThat(warnings(log)).hasSize(2);
    }
  }

  private void start() {
    reporter =
        StatusReporter.builder(
                client, "orders", new ActiveRulesHolder(ActiveRules.defaults("orders")))
            .instanceId("orders-1")
            .host("test-host")
            .refreshInterval(Duration.ofMillis(100))
            .callTimeout(Duration.ofSeconds(2))
            .build();
    reporter.start();
  }
}
