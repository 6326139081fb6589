package io.sluice.sdk;

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

/**
 * A real etcd with authentication on, and an agent client whose password etcd refuses, for the
 * tests of what the agent's etcd users (rule source, status reporter) log when etcd flips between
 * refusing the agent and being down: each test drives the flips and reads the log with {@link
 * #then} and {@link #warnings}.
 */
public final class EtcdWithAuth {

  /** Generous: the first jetcd client of a JVM loads gRPC and Netty. */
  public static final Duration AWAIT = Duration.ofSeconds(30);

  private EtcdWithAuth() {}

  /**
   * Starts an etcd whose user {@code orders-agent} (password {@code agent-secret}) may read and
   * write everything under {@code /sluice/}, with authentication on.
   */
  public static EtcdServer start() {
    EtcdServer etcd = EtcdServer.fromPath();
    etcd.start();
    etcd.addUser("root", "root-secret", "root");
    etcd.addPrefixRole("sluice-agent", "/sluice/");
    etcd.addUser("orders-agent", "agent-secret", "sluice-agent");
    etcd.enableAuth();
    return etcd;
  }

  /** A client of {@code orders-agent} with a password etcd refuses; the caller closes it. */
  public static Client clientWithAWrongPassword(EtcdServer etcd) {
    return Client.builder()
        .endpoints(etcd.endpoint())
        .user(bytes("orders-agent"))
        .password(bytes("guessed"))
        .build();
  }

  /** Does {@code action}, then waits for a line starting with {@code start} that follows it. */
  public static void then(LogCapture log, Runnable action, String start) {
    int seen = log.messages().size();
    action.run();
    await("a line: " + start)
        .atMost(AWAIT)
        .until(() -> log.messages().stream().skip(seen).anyMatch(m -> m.startsWith(start)));
  }

  /** The WARNING lines logged so far. */
  public static List<String> warnings(LogCapture log) {
    return log.records().stream()
        .filter(r -> r.getLevel() == Level.WARNING)
        .map(LogRecord::getMessage)
        .toList();
  }

  private static ByteSequence bytes(String text) {
    return ByteSequence.from(text, StandardCharsets.UTF_8);
  }
}
