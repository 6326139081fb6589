package io.sluice.sdk.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.sluice.sdk.ActiveRules;
import io.sluice.sdk.ActiveRulesHolder;
import io.sluice.sdk.config.EtcdClientFactory;
import io.sluice.sdk.config.SluiceConfig;
import io.sluice.sdk.source.FailingLogLines;
import io.sluice.testing.etcd.EtcdExtension;
import io.sluice.testing.etcd.EtcdServer;
import io.sluice.testing.etcd.NotEtcdHttpServer;
import io.sluice.testing.logging.LogCapture;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The status reporter's lines of a failed write, against a real etcd (or what stands in its place),
 * when a log handler of the app's throws at the first of them (a full disk, a broken appender): the
 * line is said at the next failure of its kind, and the handler's exception is no failure of the
 * reporter's. Before, each line's "said once" flag was set before the line was written and the
 * exception escaped to the reporter's task guard: the stretch's one WARNING was never written
 * (every later failure went to FINE), and a WARNING said the reporter itself had failed.
 */
class StatusReporterFailureLinesIT {

  /** Generous: the first jetcd client of a JVM loads gRPC and Netty. */
  private static final Duration AWAIT = Duration.ofSeconds(30);

  @RegisterExtension static final EtcdExtension etcd = new EtcdExtension();

  private static final AtomicInteger services = new AtomicInteger();

  private final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
    if (!etcd.server().isRunning()) {
      etcd.server().start();
    }
  }

  @Test
  void anOutageWarningWhoseLineThrowsIsWarnedOfAtTheNextFailure() {
    etcd.server().stop();
    // the failing handler first: it throws before the capture sees the line
    try (FailingLogLines line =
            FailingLogLines.once(StatusReporter.class, "could not write the agent status ");
        LogCapture log = LogCapture.of(StatusReporter.class)) {
      StatusReporter reporter = started(client(etcd.server().endpoint()), List.of());

      await().atMost(AWAIT).until(() -> !warningsStarting(log, "could not write").isEmpty());

      assertThat(line.failed()).as("lines the handler failed").isOne();
      assertThat(warningsStarting(log, "could not write"))
          .singleElement()
          .asString()
          .startsWith("could not write the agent status " + reporter.key() + " (");
      assertThat(reporterFailures(log)).isEmpty();
    }
  }

  @Test
  void aRefusalWarningWhoseLineThrowsIsWarnedOfAtTheNextFailure() {
    try (EtcdServer secured = EtcdServer.fromPath()) {
      secured.start();
      secured.enableAuthWithAgent("orders-agent", "agent-secret");
      Client guessing =
          closeLater(
              Client.builder()
                  .endpoints(secured.endpoint())
                  .user(bytes("orders-agent"))
                  .password(bytes("guessed"))
                  .build());
      try (FailingLogLines line =
              FailingLogLines.once(StatusReporter.class, "etcd refuses this agent the status ");
          LogCapture log = LogCapture.of(StatusReporter.class)) {
        StatusReporter reporter = started(guessing, List.of());

        await().atMost(AWAIT).until(() -> !warningsStarting(log, "etcd refuses").isEmpty());

        assertThat(line.failed()).as("lines the handler failed").isOne();
        assertThat(warningsStarting(log, "etcd refuses"))
            .singleElement()
            .asString()
            .startsWith("etcd refuses this agent the status " + reporter.key() + " (")
            .contains("authentication failed");
        assertThat(reporterFailures(log)).isEmpty();
        reporter.close();
      }
    }
  }

  @Test
  void aNotEtcdWarningWhoseLineThrowsIsWarnedOfAtTheNextFailure() {
    try (NotEtcdHttpServer proxy = NotEtcdHttpServer.answering(403, "RBAC: access denied");
        FailingLogLines line = FailingLogLines.once(StatusReporter.class, "etcd at ");
        LogCapture log = LogCapture.of(StatusReporter.class)) {
      StatusReporter reporter =
          started(client(proxy.endpoint()), List.of(URI.create(proxy.endpoint())));

      await().atMost(AWAIT).until(() -> !warningsStarting(log, "etcd at ").isEmpty());

      assertThat(line.failed()).as("lines the handler failed").isOne();
      assertThat(warningsStarting(log, "etcd at "))
          .singleElement()
          .asString()
          .contains("from something that is not etcd")
          .contains(", for the agent status " + reporter.key() + " (");
      assertThat(reporterFailures(log)).isEmpty();
      reporter.close();
    }
  }

  /**
   * The quiet INFO line of a first write that timed out is said at the next timeout when its line
   * threw, before the WARNING of a failure that goes on.
   */
  @Test
  void aFirstTimeoutWhoseLineThrowsIsToldQuietlyAtTheNextTimeout() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        FailingLogLines line =
            FailingLogLines.once(
                StatusReporter.class, "etcd has not answered the first write of the agent status");
        LogCapture log = LogCapture.of(StatusReporter.class)) {
      StatusReporter reporter =
          closeLater(
              StatusReporter.builder(
                      client("http://127.0.0.1:" + silent.getLocalPort()),
                      newService(),
                      new ActiveRulesHolder(ActiveRules.defaults("orders")))
                  .refreshInterval(Duration.ofMillis(100))
                  .callTimeout(Duration.ofMillis(300))
                  .build());
      reporter.start();

      await()
          .atMost(AWAIT)
          .until(() -> log.warnings().stream().anyMatch(m -> m.startsWith("could not write")));

      assertThat(line.failed()).as("lines the handler failed").isOne();
      List<String> told =
          log.messages().stream().filter(m -> m.contains(" " + reporter.key() + " ")).toList();
      assertThat(told.get(0))
          .startsWith("etcd has not answered the first write of the agent status ")
          .contains(" within 300 ms; retrying");
      assertThat(told).filteredOn(m -> m.contains("has not answered")).hasSize(1);
      assertThat(reporterFailures(log)).isEmpty();
    }
  }

  /** A reporter of a new service through {@code client}, started, writing every 100 ms. */
  private StatusReporter started(Client client, List<URI> endpoints) {
    String service = newService();
    StatusReporter reporter =
        closeLater(
            StatusReporter.builder(
                    client, service, new ActiveRulesHolder(ActiveRules.defaults(service)))
                .refreshInterval(Duration.ofMillis(100))
                .callTimeout(Duration.ofSeconds(2))
                .etcdEndpoints(endpoints)
                .build());
    reporter.start();
    return reporter;
  }

  private static List<String> warningsStarting(LogCapture log, String start) {
    return log.warnings().stream().filter(m -> m.startsWith(start)).toList();
  }

  /** The WARNINGs saying a task of the reporter failed: a log handler's exception is not one. */
  private static List<String> reporterFailures(LogCapture log) {
    return log.records().stream()
        .filter(r -> r.getLevel() == Level.WARNING)
        .map(r -> r.getMessage())
        .filter(m -> m.startsWith("the status reporter of "))
        .toList();
  }

  private Client client(String endpoint) {
    return closeLater(
        EtcdClientFactory.create(
            SluiceConfig.builder().addEtcdEndpoint(endpoint).serviceName("test").build()));
  }

  private <T extends AutoCloseable> T closeLater(T closeable) {
    toClose.add(closeable);
    return closeable;
  }

  private static ByteSequence bytes(String text) {
    return ByteSequence.from(text, StandardCharsets.UTF_8);
  }

  private static String newService() {
    return "failure-lines-" + services.incrementAndGet();
  }
}
