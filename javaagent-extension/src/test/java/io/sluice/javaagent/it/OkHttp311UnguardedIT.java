package io.sluice.javaagent.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * An app on OkHttp 3.11, older than the breakers guard ({@link OkHttpRelease#OKHTTP_3_11}): the
 * Sluice OkHttp module refuses it, so its calls pass unguarded even through an open breaker, and
 * the app keeps working, traced and propagating as before. The JDK client of the same app, which
 * the same breaker does guard, shows the breaker is there and open. Rules from a file: no etcd.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OkHttp311UnguardedIT {

  private static final OkHttpRelease RELEASE = OkHttpRelease.OKHTTP_3_11;
  private static final String POLICY = "okhttp311";

  private Downstream downstream;
  private AgentApp app;

  @BeforeAll
  void startApp(@TempDir Path dir) throws Exception {
    downstream = Downstream.start();
    Path rules =
        Files.writeString(
            dir.resolve("rules.json"),
            Rules.document(
                "it-okhttp311",
                Rules.breaker(
                    POLICY, downstream.port(), "/unguarded/**", "120s", Rules.ERROR, false)));
    Map<String, String> properties = AgentApp.withoutExporters("it-okhttp311");
    properties.put("sluice.rules.file", rules.toString());
    properties.put("sluice.state.dir", dir.resolve("state").toString());
    app = AgentApp.start(AgentApp.sluiceAgentJar(), properties, RELEASE.classPath());
    await("the rules file is applied")
        .atMost(Duration.ofSeconds(60))
        .until(() -> app.log().contains("applied the rules file"));
  }

  @AfterAll
  void stopApp() {
    if (app != null) {
      app.close();
    }
    if (downstream != null) {
      downstream.close();
    }
  }

  /** Guards against testing a guarded release by mistake: the calls leave through OkHttp 3.11. */
  @Test
  void theAppCallsThroughOkHttp311() throws Exception {
    String classPath = RELEASE.classPath();
    assertThat(RELEASE.aloneOn(classPath)).as(classPath).isTrue();
    AppAnswer answer = app.call("okhttp", "GET", downstream.url("/version"), Map.of());
    assertThat(answer.failed()).as("%s\n%s", answer.error(), app.log()).isFalse();
    assertThat(downstream.lastHeader("User-Agent")).isEqualTo("okhttp/" + RELEASE.version());
  }

  @Test
  void callsPassAnOpenBreakerUnguardedAndStillCarryTheTrace() throws Exception {
    String url = downstream.url("/unguarded/orders");
    downstream.answer(500);
    try {
      await("the breaker opens on the JDK client's failures")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(50))
          .until(() -> app.call("jdk", "GET", url, Map.of()).failed());
      assertThat(app.call("jdk", "GET", url, Map.of()).error())
          .as("the breaker guards the JDK client")
          .contains("Sluice circuit breaker '" + POLICY + "'");

      for (String style : List.of("okhttp", "okhttp-async")) {
        int before = downstream.requestCount();
        for (int i = 0; i < 6; i++) {
          AppAnswer answer = app.call(style, "GET", url, Map.of());
          assertThat(answer.failed())
              .as(
                  "%s call %d through the open breaker: %s\n%s",
                  style, i, answer.error(), app.log())
              .isFalse();
          assertThat(answer.status()).isEqualTo(500);
        }
        assertThat(downstream.requestCount() - before)
            .as("%s calls that reached the server", style)
            .isEqualTo(6);
      }
    } finally {
      downstream.answer(200);
    }

    String traceId = AbstractHttpClientIT.randomHex(16);
    AppAnswer traced =
        app.call(
            "okhttp",
            "GET",
            url,
            Map.of(
                "traceparent", "00-" + traceId + "-" + AbstractHttpClientIT.randomHex(8) + "-01"));
    assertThat(traced.status()).isEqualTo(200);
    assertThat(downstream.lastHeader("traceparent")).startsWith("00-" + traceId + "-");
    assertThat(downstream.lastHeader("X-B3-TraceId")).isEqualTo(traceId);
    assertThat(app.healthy()).isTrue();
    assertThat(app.log())
        .doesNotContain("NoSuchMethodError")
        .doesNotContain("NoClassDefFoundError")
        .doesNotContain("Sluice: invalid configuration");
  }
}
