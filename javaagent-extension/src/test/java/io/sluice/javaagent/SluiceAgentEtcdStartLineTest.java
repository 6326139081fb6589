package io.sluice.javaagent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.sdk.autoconfigure.spi.internal.DefaultConfigProperties;
import io.sluice.testing.logging.LogCapture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The start line of an agent configured for etcd says etcd only once the etcd client is made.
 * Before, the agent said {@code Sluice: rules for 'orders' from etcd […]} as soon as the background
 * start was under way, and a TLS file that could not be read then left the agent on its rules file
 * (or the last-known-good rules, or the defaults), which a WARNING said only after the log had
 * claimed etcd.
 */
class SluiceAgentEtcdStartLineTest {

  @TempDir Path dir;

  private final List<Thread> hooks = new ArrayList<>();

  /** The threads that ran before this test: its agents' start threads are the others. */
  private Set<Thread> threadsBefore;

  @BeforeEach
  void noteThreads() {
    threadsBefore = Thread.getAllStackTraces().keySet();
  }

  @AfterEach
  void runHooks() {
    hooks.forEach(Thread::run); // closes whatever a test started
    // a start still under way closes what it made itself when it ends, and may say so ("did not
    // stop within 250 ms" under load): in this test's time, not among the next test's lines
    await("this test's agents' start threads end")
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().startsWith("sluice-") && t.getName().endsWith("start"))
                    .allMatch(threadsBefore::contains));
  }

  @Test
  void aTlsFileThatCannotBeReadLeavesNoLineSayingEtcd() throws Exception {
    Path rules = document();
    Path missing = dir.resolve("no-such-ca.pem");
    Map<String, String> properties =
        Map.of(
            "otel.service.name", "orders",
            "sluice.etcd.endpoints", "https://127.0.0.1:2379",
            "sluice.etcd.tls.ca-file", missing.toString(),
            "sluice.rules.file", rules.toString(),
            "sluice.state.dir", dir.resolve("state").toString());

    List<String> lines = startLines(properties, "applied the rules file ");

    assertThat(lines).noneMatch(m -> m.contains("from etcd"));
    assertThat(lines)
        .containsExactly(
            "Sluice: could not set up TLS for etcd: sluice.etcd.tls.ca-file="
                + missing
                + ": no such file; running without etcd, on the rules file sluice.rules.file="
                + rules
                + ", until the files can be used (read again every 5 s)",
            "applied the rules file " + rules + " (sluice.rules.file)");
  }

  @Test
  void anEtcdClientMadeIsSaidOnceWithWhereTheStatusGoes() throws Exception {
    Map<String, String> properties =
        Map.of(
            "otel.service.name", "orders",
            "sluice.etcd.endpoints", "http://127.0.0.1:1",
            "sluice.state.dir", dir.resolve("state").toString());

    // a real jetcd client, maybe the JVM's first: class loading is slow on two loaded cores
    List<String> lines = startLines(properties, "Sluice: rules for ");

    assertThat(lines)
        .as("said first, once")
        .startsWith(
            "Sluice: rules for 'orders' from etcd [http://127.0.0.1:1], status reported under"
                + " /sluice/v1/agents/orders/")
        .filteredOn(m -> m.startsWith("Sluice: rules for "))
        .hasSize(1);
  }

  /**
   * The lines Sluice logged at INFO and above once the agent, started with {@code properties}, has
   * logged one starting with {@code last}; none of the bundled etcd client's retries.
   */
  private List<String> startLines(Map<String, String> properties, String last) {
    Function<String, String> noEnvironment = key -> null;
    Map<String, String> jvm =
        Map.of("user.home", dir.toString(), "java.io.tmpdir", dir.resolve("tmp").toString());
    try (LogCapture log = LogCapture.of("io.sluice")) {
      SluiceAgent agent = new SluiceAgent(hooks::add, noEnvironment, jvm::get);
      agent.configure(DefaultConfigProperties.createFromMap(properties));
      agent.startInBackground(MeterProvider.noop());
      await("a line starting " + last)
          .atMost(Duration.ofSeconds(60))
          .until(() -> log.messages().stream().anyMatch(m -> m.startsWith(last)));
      return log.records().stream()
          .filter(r -> r.getLevel().intValue() >= Level.INFO.intValue())
          .filter(r -> !r.getLoggerName().startsWith("io.sluice.shaded"))
          .map(r -> r.getMessage())
          .toList();
    }
  }

  private Path document() throws Exception {
    return Files.writeString(
        dir.resolve("rules.json"),
        "{\"schemaVersion\":1,\"service\":\"orders\",\"sampling\":{\"defaultRatio\":0.5}}");
  }
}
