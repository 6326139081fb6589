package io.sluice.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.sluice.testing.etcd.EtcdServer;
import io.sluice.testing.logging.LogCapture;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What an agent's etcd user (the rule source, the status reporter) logs when its etcd both refuses
 * its credentials and goes down, against a real etcd with authentication on: one warning per
 * problem per stretch of failures, whichever comes first and however often etcd flips between them.
 * Before, one flag covered both problems: the second one was never said. Each subclass starts its
 * component and names its lines.
 */
public abstract class EtcdProblemsWarnedOnce {

  /** Generous: the first jetcd client of a JVM loads gRPC and Netty. */
  private static final Duration AWAIT = Duration.ofSeconds(30);

  /**
   * The starts of the component's lines: its two warnings, and the FINE lines of the same problems
   * said again.
   */
  public record Lines(
      String refuses, String unreachable, String stillRefuses, String stillUnreachable) {}

  private static EtcdServer etcd;

  private final Class<?> component;
  private final Logger logger;
  private final Lines lines;
  private Level levelBefore;
  private Client client;
  private AutoCloseable started;

  protected EtcdProblemsWarnedOnce(Class<?> component, Lines lines) {
    this.component = component;
    this.logger = Logger.getLogger(component.getName());
    this.lines = lines;
  }

  /**
   * Starts the component with {@code client}, whose password etcd refuses; answers what closes it.
   * A call of a stopped etcd should wait at most 2 s for a connection, or each stop takes long.
   */
  protected abstract AutoCloseable start(Client client);

  /**
   * An etcd whose user {@code orders-agent} may read and write everything under {@code /sluice/},
   * with authentication on.
   */
  @BeforeAll
  static void startEtcdWithAuthentication() {
    etcd = EtcdServer.fromPath();
    etcd.start();
    etcd.addUser("root", "root-secret", "root");
    etcd.addPrefixRole("sluice-agent", "/sluice/");
    etcd.addUser("orders-agent", "agent-secret", "sluice-agent");
    etcd.enableAuth();
  }

  @AfterAll
  static void stopEtcd() {
    if (etcd != null) {
      etcd.close();
    }
  }

  @BeforeEach
  void seeEveryAttempt() {
    levelBefore = logger.getLevel();
    logger.setLevel(Level.FINE);
    client =
        Client.builder()
            .endpoints(etcd.endpoint())
            .user(bytes("orders-agent"))
            .password(bytes("guessed"))
            .build();
  }

  @AfterEach
  void closeAndRestart() throws Exception {
    if (started != null) {
      started.close();
    }
    client.close();
    logger.setLevel(levelBefore);
    if (!etcd.isRunning()) {
      etcd.start();
    }
  }

  @Test
  void warnsOfARefusalAndOfAnOutageOnceEachThoughEtcdFlipsBetweenThem() {
    try (LogCapture log = LogCapture.of(component)) {
      then(log, this::startIt, lines.refuses());
      then(log, etcd::stop, lines.unreachable());
      then(log, etcd::start, lines.stillRefuses());
      then(log, etcd::stop, lines.stillUnreachable());
      then(log, etcd::start, lines.stillRefuses());

      assertThat(warnings(log))
          .as("one warning per problem, though etcd flipped between them twice")
          .hasSize(2)
          .anySatisfy(
              m -> assertThat(m).startsWith(lines.refuses()).contains("authentication failed"))
          .anySatisfy(m -> assertThat(m).startsWith(lines.unreachable()));
    }
  }

  @Test
  void warnsOfARefusalThatFollowsAnOutage() {
    etcd.stop();
    try (LogCapture log = LogCapture.of(component)) {
      then(log, this::startIt, lines.unreachable());
      // what the operator must fix, not an outage to wait out: said, though the stretch began as
      // an outage
      then(log, etcd::start, lines.refuses());
      then(log, etcd::stop, lines.stillUnreachable());

      assertThat(warnings(log)).hasSize(2);
    }
  }

  private void startIt() {
    started = start(client);
  }

  /** Does {@code action}, then waits for a line starting with {@code start} that follows it. */
  private static void then(LogCapture log, Runnable action, String start) {
    int seen = log.messages().size();
    action.run();
    await("a line: " + start)
        .atMost(AWAIT)
        .until(() -> log.messages().stream().skip(seen).anyMatch(m -> m.startsWith(start)));
  }

  private static List<String> warnings(LogCapture log) {
    return log.records().stream()
        .filter(r -> r.getLevel() == Level.WARNING)
        .map(LogRecord::getMessage)
        .toList();
  }

  private static ByteSequence bytes(String text) {
    return ByteSequence.from(text, StandardCharsets.UTF_8);
  }
}
