package io.sluice.javaagent.it;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import io.sluice.rules.wire.AgentStatus;
import io.sluice.rules.wire.AgentStatusCodec;
import io.sluice.rules.wire.EtcdKeys;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/** Reads the agents' status documents from etcd, as the control plane would. */
final class EtcdStatus implements AutoCloseable {

  private final Client client;

  EtcdStatus(String endpoint) {
    this(Client.builder().endpoints(endpoint).build());
  }

  /** Reads through {@code client}, one with credentials when etcd's authentication is on. */
  EtcdStatus(Client client) {
    this.client = client;
  }

  /** The status of the one agent of {@code service}, if it has written one. */
  Optional<AgentStatus> of(String service) {
    try {
      String prefix = EtcdKeys.defaults().agentsPrefix(service);
      List<KeyValue> kvs =
          client
              .getKVClient()
              .get(
                  ByteSequence.from(prefix, StandardCharsets.UTF_8),
                  GetOption.builder().isPrefix(true).build())
              .get(5, TimeUnit.SECONDS)
              .getKvs();
      if (kvs.isEmpty()) {
        return Optional.empty();
      }
      return AgentStatusCodec.parse(kvs.get(kvs.size() - 1).getValue().getBytes());
    } catch (Exception e) {
      return Optional.empty();
    }
  }

  /**
   * Waits until the agent of {@code service} has connected to etcd and reported its status. The
   * first connection loads jetcd, gRPC and Netty in the background and can take long on a loaded
   * machine: the bound is generous, and the time taken is printed. An agent that logged a
   * class-loading failure of its own ({@link ClassLoadingFailures}: not one the app logs and
   * handles) never reports: the wait fails at once, with those lines.
   */
  void awaitAgent(String service, AgentApp app) {
    long start = System.nanoTime();
    awaitReport(
        "the agent of " + service + " reports its status",
        () -> of(service).isPresent(),
        app.logFile());
    System.out.printf(
        "agent of %s reported its status %d ms after it served%n",
        service, (System.nanoTime() - start) / 1_000_000);
  }

  /**
   * Waits, 90 s at most, until {@code reported}; fails before that as soon as the app's log ({@code
   * appLog}) names a class-loading failure of the agent's ({@link ClassLoadingFailures}). Either
   * failure carries the app's log.
   */
  static void awaitReport(String what, BooleanSupplier reported, Path appLog) {
    awaitReport(what, Duration.ofSeconds(90), Duration.ofMillis(100), reported, appLog, () -> "");
  }

  /**
   * Waits, {@code atMost}, polling every {@code pollInterval} (the first time at once), until
   * {@code reported}; fails before that as soon as the app's log ({@code appLog}) names a
   * class-loading failure of the agent's. Each poll reads and scans only what the log gained since
   * the last ({@link GrowingLog}). A timeout's message carries {@code state} (what was reported
   * instead) and the app's log.
   */
  static void awaitReport(
      String what,
      Duration atMost,
      Duration pollInterval,
      BooleanSupplier reported,
      Path appLog,
      Supplier<String> state) {
    GrowingLog log = new GrowingLog(appLog);
    ClassLoadingFailures scan = new ClassLoadingFailures();
    try {
      Awaitility.await(what)
          .atMost(atMost)
          .pollDelay(Duration.ZERO)
          .pollInterval(pollInterval)
          .until(
              () -> {
                if (reported.getAsBoolean()) {
                  return true;
                }
                GrowingLog.Appended appended = log.readAppended();
                List<String> failures = scan.scan(appended.lines(), appended.partialLine());
                if (!failures.isEmpty()) {
                  throw new AssertionError(
                      what
                          + ": it never will, the agent logged a class-loading failure:\n  "
                          + String.join("\n  ", failures)
                          + "\napp log:\n"
                          + log.all());
                }
                return false;
              });
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(e.getMessage() + state.get() + "\napp log:\n" + log.all(), e);
    }
  }

  /**
   * Waits, 30 s at most, until the agent of {@code service} reports that it applied {@code
   * revision}; fails at once, as {@link #awaitAgent} does, when the app logged a class-loading
   * failure of the agent's: a rule source that cannot load its classes applies nothing more.
   */
  void awaitApplied(String service, long revision, AgentApp app) {
    long start = System.nanoTime();
    // polled often: every scenario applies rules a few times, and a read is cheap
    awaitReport(
        "the agent of " + service + " applies revision " + revision,
        Duration.ofSeconds(30),
        Duration.ofMillis(20),
        () -> of(service).map(s -> s.appliedRevision() >= revision).orElse(false),
        app.logFile(),
        () -> "\nstatus: " + of(service));
    System.out.printf(
        "revision %d applied and reported in %d ms%n",
        revision, (System.nanoTime() - start) / 1_000_000);
  }

  @Override
  public void close() {
    client.close();
  }
}
