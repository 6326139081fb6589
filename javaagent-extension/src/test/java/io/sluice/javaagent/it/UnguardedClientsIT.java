package io.sluice.javaagent.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.rules.wire.AgentStatus;
import io.sluice.rules.wire.EtcdKeys;
import io.sluice.testing.etcd.EtcdExtension;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * An app on clients the breakers do not guard: OkHttp 3.11, older than the breakers guard ({@link
 * OkHttpRelease#OKHTTP_3_11}), Apache HttpClient 5's async client, Apache HttpAsyncClient 4,
 * Jetty's {@code HttpClient}, and Vert.x 4 (in place of the test class path's Vert.x 5). Their
 * calls pass unguarded even through an open breaker, and the app keeps working, traced and
 * propagating as before; the agent says once for each client that it is not guarded, and its status
 * in etcd names them for the control plane. The JDK client of the same app, which the same breaker
 * does guard, shows the breaker is there and open.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UnguardedClientsIT {

  /** What the agent's line on a client it does not guard says (see {@code UnguardedClients}). */
  static final String UNGUARDED_LINE = "whose calls Sluice's circuit breakers do not guard";

  private static final OkHttpRelease RELEASE = OkHttpRelease.OKHTTP_3_11;
  private static final String POLICY = "okhttp311";
  private static final String SERVICE = "it-okhttp311";

  /** The test app's styles that make an unguarded client and call through it, and the JDK's. */
  private static final List<String> STYLES =
      List.of(
          "okhttp",
          "apache-async",
          "apache-async-minimal",
          "apache4-async",
          "apache4-async-minimal",
          "jetty",
          "jdk");

  @RegisterExtension static final EtcdExtension etcd = new EtcdExtension();

  private Downstream downstream;
  private AgentApp app;
  private EtcdStatus status;

  @BeforeAll
  void startApp(@TempDir Path dir) throws Exception {
    downstream = Downstream.start();
    long revision =
        etcd.server()
            .put(
                EtcdKeys.defaults().rules(SERVICE),
                Rules.document(
                    SERVICE,
                    Rules.breaker(
                        POLICY, downstream.port(), "/unguarded/**", "120s", Rules.ERROR, false)));
    Map<String, String> properties = AgentApp.withoutExporters(SERVICE);
    properties.put("sluice.etcd.endpoints", etcd.endpoint());
    properties.put("sluice.state.dir", dir.resolve("state").toString());
    app = AgentApp.start(AgentApp.sluiceAgentJar(), properties, classPath());
    status = new EtcdStatus(etcd.endpoint());
    EtcdStatus.awaitReport(
        "the agent applies the rules",
        () -> status.of(SERVICE).map(s -> s.appliedRevision() == revision).orElse(false),
        app.logFile());
  }

  @AfterAll
  void stopApp() {
    if (status != null) {
      status.close();
    }
    if (app != null) {
      app.close();
    }
    if (downstream != null) {
      downstream.close();
    }
  }

  /**
   * OkHttp 3.11's class path, with Vert.x 4's core in place of 5's (the Vert.x client the app makes
   * is never connected, so the Netty of the test class path does).
   */
  private static String classPath() {
    List<String> entries = new ArrayList<>();
    for (String entry : RELEASE.classPath().split(File.pathSeparator)) {
      if (!Path.of(entry).getFileName().toString().startsWith("vertx-core-")) {
        entries.add(entry);
      }
    }
    Path libs = Path.of(System.getProperty("vertx4.app.libs", "target/vertx4-app-libs"));
    try (Stream<Path> jars = Files.list(libs)) {
      jars.map(Path::toString).sorted().forEach(entries::add);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return String.join(File.pathSeparator, entries);
  }

  /**
   * Each client the breakers do not guard is named once, when the app makes it, whatever it makes
   * after; the JDK client, guarded, is never named. Before, nothing told an operator that a policy
   * on these clients' targets protected nothing.
   */
  @Test
  void theAgentNamesEachUnguardedClientOnce() throws Exception {
    String url = downstream.url("/named/orders");
    for (int i = 0; i < 2; i++) {
      for (String style : STYLES) {
        AppAnswer answer = app.call(style, "GET", url, Map.of());
        assertThat(answer.failed()).as("%s: %s\n%s", style, answer.error(), app.log()).isFalse();
      }
      AppAnswer vertx = app.call("vertx-client-made", "GET", url, Map.of());
      assertThat(vertx.failed()).as("%s\n%s", vertx.error(), app.log()).isFalse();
    }
    List<String> lines =
        List.of(
            "the app made an OkHttp 3 client of a release before 3.12, " + UNGUARDED_LINE,
            "the app made an Apache HttpClient 5 async client"
                + " (org.apache.hc.client5.http.impl.async.InternalHttpAsyncClient), "
                + UNGUARDED_LINE,
            "the app made an Apache HttpClient 5 async client"
                + " (org.apache.hc.client5.http.impl.async.MinimalHttpAsyncClient), "
                + UNGUARDED_LINE,
            "the app made an Apache HttpAsyncClient 4 client"
                + " (org.apache.http.impl.nio.client.InternalHttpAsyncClient), "
                + UNGUARDED_LINE,
            "the app made an Apache HttpAsyncClient 4 client"
                + " (org.apache.http.impl.nio.client.MinimalHttpAsyncClient), "
                + UNGUARDED_LINE,
            "the app made a Jetty HttpClient, " + UNGUARDED_LINE,
            "the app made a Vert.x HttpClient of a release before 5 (HttpClient, WebClient), "
                + UNGUARDED_LINE);
    await("a line for each unguarded client")
        .atMost(Duration.ofSeconds(10))
        .until(() -> lines.stream().allMatch(app.log()::contains));
    String log = app.log();
    for (String line : lines) {
      assertThat(log.split(java.util.regex.Pattern.quote(line), -1))
          .as("the line %s, once, in\n%s", line, log)
          .hasSize(2);
    }
    assertThat(log.split(UNGUARDED_LINE, -1)).as("no other client is named").hasSize(8);
  }

  /**
   * The agent's status names each client the breakers do not guard, with what they guard instead,
   * soon after the app made it: an operator who reads the control plane, not the app's log, sees
   * that a policy on these clients' targets protects nothing. Before, only the log said so.
   */
  @Test
  void theStatusNamesEachUnguardedClient() throws Exception {
    String url = downstream.url("/named/status");
    for (String style : STYLES) {
      AppAnswer answer = app.call(style, "GET", url, Map.of());
      assertThat(answer.failed()).as("%s: %s\n%s", style, answer.error(), app.log()).isFalse();
    }
    AppAnswer vertx = app.call("vertx-client-made", "GET", url, Map.of());
    assertThat(vertx.failed()).as("%s\n%s", vertx.error(), app.log()).isFalse();

    String classicClients = "Sluice guards Apache HttpClient 4 and 5's classic clients";
    List<AgentStatus.UnguardedClient> expected =
        List.of(
            new AgentStatus.UnguardedClient(
                "a Jetty HttpClient",
                "Sluice guards the JDK's clients, OkHttp 3.12 and later, Apache HttpClient 4 and"
                    + " 5's classic clients, Vert.x 5 and Reactor Netty"),
            new AgentStatus.UnguardedClient(
                "a Vert.x HttpClient of a release before 5 (HttpClient, WebClient)",
                "Sluice guards Vert.x 5"),
            new AgentStatus.UnguardedClient(
                "an Apache HttpAsyncClient 4 client"
                    + " (org.apache.http.impl.nio.client.InternalHttpAsyncClient)",
                classicClients),
            new AgentStatus.UnguardedClient(
                "an Apache HttpAsyncClient 4 client"
                    + " (org.apache.http.impl.nio.client.MinimalHttpAsyncClient)",
                classicClients),
            new AgentStatus.UnguardedClient(
                "an Apache HttpClient 5 async client"
                    + " (org.apache.hc.client5.http.impl.async.InternalHttpAsyncClient)",
                classicClients),
            new AgentStatus.UnguardedClient(
                "an Apache HttpClient 5 async client"
                    + " (org.apache.hc.client5.http.impl.async.MinimalHttpAsyncClient)",
                classicClients),
            new AgentStatus.UnguardedClient(
                "an OkHttp 3 client of a release before 3.12",
                "Sluice guards OkHttp 3.12 and later"));
    EtcdStatus.awaitReport(
        "the status names each unguarded client",
        Duration.ofSeconds(10),
        Duration.ofMillis(100),
        () -> status.of(SERVICE).map(s -> expected.equals(s.unguardedClients())).orElse(false),
        app.logFile(),
        () -> "the status: " + status.of(SERVICE));
  }

  /**
   * Guards against testing a guarded release by mistake: the calls leave through OkHttp 3.11, and
   * Vert.x 4 is the app's only Vert.x core.
   */
  @Test
  void theAppCallsThroughOkHttp311OnVertx4() throws Exception {
    String classPath = classPath();
    assertThat(RELEASE.aloneOn(classPath)).as(classPath).isTrue();
    assertThat(classPath)
        .as("the app's Vert.x core")
        .contains("vertx-core-" + System.getProperty("vertx4.version", "4.5.22") + ".jar")
        .doesNotContain("vertx-core-5");
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

      for (String style :
          List.of("okhttp", "okhttp-async", "apache-async", "apache4-async", "jetty")) {
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
