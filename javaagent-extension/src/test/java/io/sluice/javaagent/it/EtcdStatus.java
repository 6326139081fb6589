package io.sluice.javaagent.it;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import io.sluice.rules.wire.AgentStatus;
import io.sluice.rules.wire.AgentStatusCodec;
import io.sluice.rules.wire.EtcdKeys;
import java.nio.charset.StandardCharsets;
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
   * machine: the bound is generous, and the time taken is printed. An agent whose log shows a
   * class-loading failure ({@link ClassLoadingFailures}) never reports: the wait fails at once,
   * with those lines.
   */
  void awaitAgent(String service, AgentApp app) {
    long start = System.nanoTime();
    awaitReport(
        "the agent of " + service + " reports its status", () -> of(service).isPresent(), app::log);
    System.out.printf(
        "agent of %s reported its status %d ms after it served%n",
        service, (System.nanoTime() - start) / 1_000_000);
  }

  /**
   * Waits, 90 s at most, until {@code reported}; fails before that as soon as {@code appLog} names
   * a class-loading failure. Either failure carries the app's log.
   */
  static void awaitReport(String what, BooleanSupplier reported, Supplier<String> appLog) {
    try {
      Awaitility.await(what)
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofMillis(100))
          .until(
              () -> {
                if (reported.getAsBoolean()) {
                  return true;
                }
                String log = appLog.get();
                List<String> failures = ClassLoadingFailures.in(log);
                if (!failures.isEmpty()) {
                  throw new AssertionError(
                      what
                          + ": it never will, the app logged a class-loading failure:\n  "
                          + String.join("\n  ", failures)
                          + "\napp log:\n"
                          + log);
                }
                return false;
              });
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(e.getMessage() + "\napp log:\n" + appLog.get(), e);
    }
  }

  /** Waits until the agent of {@code service} reports that it applied {@code revision}. */
  void awaitApplied(String service, long revision, AgentApp app) {
    long start = System.nanoTime();
    try {
      // polled often: every scenario applies rules a few times, and a read is cheap
      Awaitility.await("the agent of " + service + " applies revision " + revision)
          .atMost(Duration.ofSeconds(30))
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(20))
          .until(() -> of(service).map(s -> s.appliedRevision() >= revision).orElse(false));
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(
          e.getMessage() + "\nstatus: " + of(service) + "\napp log:\n" + app.log(), e);
    }
    System.out.printf(
        "revision %d applied and reported in %d ms%n",
        revision, (System.nanoTime() - start) / 1_000_000);
  }

  @Override
  public void close() {
    client.close();
  }
}
