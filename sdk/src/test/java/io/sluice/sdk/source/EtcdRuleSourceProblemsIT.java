package io.sluice.sdk.source;

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
 * authentication on: each of the two problems is warned of once per stretch of failures, whichever
 * comes first and however often etcd flips between them.
 */
class EtcdRuleSourceProblemsIT {

  private static final String REFUSES = "etcd refuses this agent the rules of orders";
  private static final String UNREACHABLE = "etcd is unreachable for the rules of orders";
  private static final String STILL_REFUSES = "etcd still refuses the rules of orders";
  private static final String STILL_UNREACHABLE =
      "etcd is still unreachable for the rules of orders";

  private static final Logger sourceLogger = Logger.getLogger(EtcdRuleSource.class.getName());

  private static EtcdServer etcd;

  private Level levelBefore;
  private Client client;
  private EtcdRuleSource source;

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
    levelBefore = sourceLogger.getLevel();
    sourceLogger.setLevel(Level.FINE);
    client = EtcdWithAuth.clientWithAWrongPassword(etcd);
  }

  @AfterEach
  void closeAndRestart() {
    if (source != null) {
      source.close();
    }
    client.close();
    sourceLogger.setLevel(levelBefore);
    if (!etcd.isRunning()) {
      etcd.start();
    }
  }

  @Test
  void warnsOfARefusalAndOfAnOutageOnceEachThoughEtcdFlipsBetweenThem() {
    try (LogCapture log = LogCapture.of(EtcdRuleSource.class)) {
      then(log, this::start, REFUSES);
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
    try (LogCapture log = LogCapture.of(EtcdRuleSource.class)) {
      then(log, this::start, UNREACHABLE);
      // what the operator must fix, not an outage to wait out: said, though the stretch began as
      // an outage
      then(log, etcd::start, REFUSES);
      then(log, etcd::stop, STILL_UNREACHABLE);

      assertThat(warnings(log)).hasSize(2);
    }
  }

  private void start() {
    source =
        EtcdRuleSource.builder(
                client, new ActiveRulesHolder(ActiveRules.defaults("orders")), "orders")
            .retryBackoff(Duration.ofMillis(50), Duration.ofMillis(200))
            // a read of a stopped etcd waits for a connection until this deadline
            .callTimeout(Duration.ofSeconds(2))
            .build();
    source.start();
  }
}
