package io.sluice.javaagent.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.rules.wire.AgentStatus;
import io.sluice.rules.wire.EtcdKeys;
import io.sluice.testing.etcd.EtcdExtension;
import io.sluice.testing.otlp.OtlpReceiver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Live rule changes in one running app under the Sluice agent: sampling follows etcd without a
 * restart, a broken document changes nothing but is reported, and losing etcd mid-run does not
 * touch the app. The scenarios run in order on one forked JVM.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LiveRulesIT {

  @RegisterExtension static final EtcdExtension etcd = new EtcdExtension();

  /** With capitals: a service name keeps its case, and such a service runs its own document. */
  private static final String SERVICE = "LiveRules-IT";

  private static final String KEEP_SERVER_SPANS =
      "[{\"name\":\"keep-calls\",\"match\":{\"spanKind\":\"SERVER\"},\"ratio\":1.0}]";

  private static Downstream downstream;
  private static OtlpReceiver otlp;
  private static AgentApp app;
  private static EtcdStatus status;
  private static long initialRevision;

  @BeforeAll
  static void startApp(@TempDir Path stateDir) throws Exception {
    downstream = Downstream.start();
    otlp = OtlpReceiver.start();
    initialRevision =
        etcd.server().put(EtcdKeys.defaults().rules(SERVICE), Rules.sampling(SERVICE, 0.0, "[]"));
    Map<String, String> properties = new LinkedHashMap<>();
    properties.put("otel.service.name", SERVICE);
    properties.put("otel.exporter.otlp.endpoint", otlp.endpoint());
    properties.put("otel.metrics.exporter", "none");
    properties.put("otel.logs.exporter", "none");
    properties.put("otel.bsp.schedule.delay", "100");
    properties.put("sluice.etcd.endpoints", etcd.endpoint());
    properties.put("sluice.state.dir", stateDir.toString());
    app = AgentApp.start(AgentApp.sluiceAgentJar(), properties);
    status = new EtcdStatus(etcd.endpoint());
    status.awaitAgent(SERVICE, app);
  }

  @AfterAll
  static void stopApp() {
    if (status != null) {
      status.close();
    }
    if (app != null) {
      app.close();
    }
    if (otlp != null) {
      otlp.close();
    }
    if (downstream != null) {
      downstream.close();
    }
  }

  /**
   * An app on guarded clients only is told as such: its status lists no unguarded client, where one
   * without the field (the SDK's own apps) does not tell.
   */
  @Test
  @Order(0)
  void theStatusSaysTheAppUsesNoUnguardedClient() throws Exception {
    assertThat(call("/guarded").failed()).isFalse();
    EtcdStatus.awaitReport(
        "the status says the app uses no unguarded client",
        Duration.ofSeconds(10),
        Duration.ofMillis(100),
        () ->
            status
                .of(SERVICE)
                .map(s -> s.unguardedClients() != null && s.unguardedClients().isEmpty())
                .orElse(false),
        app.logFile(),
        () -> "the status: " + status.of(SERVICE));
  }

  @Test
  @Order(1)
  void samplingFollowsEtcdWithoutRestart() throws Exception {
    // Ratio 0: nothing is kept.
    status.awaitApplied(SERVICE, initialRevision, app);
    assertThat(status.of(SERVICE).orElseThrow().versions().sluice())
        .as("the extension reports the version it was built as")
        .matches("\\d+\\.\\d+\\.\\d+.*");
    for (int i = 0; i < 5; i++) {
      assertThat(call("/sampling/dropped").status()).isEqualTo(200);
    }

    long revision =
        etcd.server()
            .put(
                EtcdKeys.defaults().rules(SERVICE),
                Rules.sampling(SERVICE, 0.0, KEEP_SERVER_SPANS));
    long written = System.nanoTime();
    await("spans are kept by the new rule")
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              call("/sampling/kept");
              return otlp.spans().stream()
                  .anyMatch(
                      span -> "keep-calls".equals(span.attributes().get("sluice.sampling.rule")));
            });
    System.out.printf(
        "spans of rule keep-calls (revision %d) received %d ms after the etcd write%n",
        revision, (System.nanoTime() - written) / 1_000_000);

    List<OtlpReceiver.ReceivedSpan> spans = otlp.spans();
    assertThat(spans)
        .as("no span of the calls made under ratio 0")
        .noneMatch(span -> span.attributes().toString().contains("/sampling/dropped"));
    assertThat(spans)
        .filteredOn(span -> span.kind() == OtlpReceiver.ReceivedSpan.KIND_SERVER)
        .allSatisfy(
            span -> {
              assertThat(span.service()).isEqualTo(SERVICE);
              assertThat(span.attributes())
                  .containsEntry("sluice.sampling.rule", "keep-calls")
                  .containsEntry("sluice.rules.revision", Long.toString(revision));
            });
    assertThat(spans)
        .as("the outgoing call follows its sampled parent")
        .anyMatch(span -> span.kind() == OtlpReceiver.ReceivedSpan.KIND_CLIENT);
    // the status is written on its own schedule: the next test starts from the applied revision
    status.awaitApplied(SERVICE, revision, app);
  }

  @Test
  @Order(2)
  void garbageInEtcdChangesNothingAndIsReported() throws Exception {
    long good = status.of(SERVICE).orElseThrow().appliedRevision();
    long garbage =
        etcd.server().put(EtcdKeys.defaults().rules(SERVICE), "{\"schemaVersion\": 1, \"sampl");

    await("the status reports the rejected revision")
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              AgentStatus current = status.of(SERVICE).orElseThrow();
              assertThat(current.rejected()).isNotNull();
              assertThat(current.rejected().revision()).isEqualTo(garbage);
              assertThat(current.rejected().errors()).isNotEmpty();
              assertThat(current.appliedRevision()).isEqualTo(good);
            });
    otlp.clear();
    assertThat(call("/garbage").status()).isEqualTo(200);
    await("the previous rules still decide")
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                otlp.spans().stream()
                    .anyMatch(
                        span ->
                            "keep-calls".equals(span.attributes().get("sluice.sampling.rule"))));
    assertThat(app.log()).doesNotContain("Exception in thread");
  }

  @Test
  @Order(3)
  void losingEtcdMidRunLeavesTheAppAlone() throws Exception {
    etcd.server().stop();
    long stopped = System.nanoTime();
    for (int i = 0; i < 5; i++) {
      AppAnswer answer = call("/etcd-down");
      assertThat(answer.failed()).as(answer.error()).isFalse();
      assertThat(answer.status()).isEqualTo(200);
    }
    System.out.printf(
        "5 calls served in %d ms with etcd down%n", (System.nanoTime() - stopped) / 1_000_000);
    assertThat(app.healthy()).isTrue();
    assertThat(app.isAlive()).isTrue();

    // etcd back: the agent resumes its watch and applies what changed meanwhile.
    etcd.server().start();
    long revision =
        etcd.server()
            .put(
                EtcdKeys.defaults().rules(SERVICE),
                Rules.sampling(SERVICE, 1.0, KEEP_SERVER_SPANS));
    status.awaitApplied(SERVICE, revision, app);
  }

  private static AppAnswer call(String path) throws Exception {
    return app.call("jdk", "GET", downstream.url(path), Map.of());
  }
}
