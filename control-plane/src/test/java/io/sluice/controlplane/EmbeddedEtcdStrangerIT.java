package io.sluice.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.controlplane.etcd.EtcdLaunchScript;
import io.sluice.controlplane.etcd.EtcdLaunches;
import io.sluice.controlplane.etcd.StrangerEtcd;
import io.sluice.testing.etcd.EtcdGatewayHttp;
import io.sluice.testing.net.HeldPort;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded etcd died and another etcd took its client port before its restart could: the
 * control plane's client, built on that port, read and wrote the stranger, and a PUT put the rules
 * there (only health said DOWN). The API now answers 503 naming the port and why, from etcd's exit
 * until it runs again, and sends the stranger nothing.
 *
 * <p>The packaged control plane runs in a JVM of its own, so that an {@code etcd} first on its
 * search path can hold the restart back while the test starts a real other etcd on the port.
 */
class EmbeddedEtcdStrangerIT {

  private static final Path PACKAGED_JAR = Path.of("target", "sluice-control-plane.jar");
  private static final String WRITER = ControlPlaneLifecycleIT.WRITER;
  private static final String PATH = System.getenv().getOrDefault("PATH", "");
  private static final String RULES = "/api/v1/services/orders/rules";
  private static final String AGENTS = "/sluice/v1/agents/";

  @Test
  void refusesTheApiWhileAnotherEtcdHoldsTheEmbeddedEtcdsClientPort(
      @TempDir Path state, @TempDir Path bin, @TempDir Path strangerDir) throws Exception {
    EtcdLaunches launches = EtcdLaunchScript.real().hold(1).writeTo(bin);
    // held until the end: a port found free and let go again could be given to another process
    // of the build before the control plane's JVM, seconds later, binds it (Tomcat binds beside)
    HeldPort held = HeldPort.any();
    int port = held.port();
    List<String> command = ForkedJvm.java();
    command.addAll(
        List.of(
            "-jar",
            PACKAGED_JAR.toString(),
            "--server.address=127.0.0.1",
            "--server.port=" + port,
            "--sluice.state.dir=" + state,
            "--server.tomcat.basedir=" + state.resolve("tomcat"),
            "--management.endpoint.health.show-details=always",
            "--sluice.security.tokens.writer.token=" + WRITER,
            "--sluice.security.tokens.writer.role=writer"));
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(state.resolve("control-plane.log").toFile());
    builder.environment().put("PATH", bin + java.io.File.pathSeparator + PATH);
    assertThat(PACKAGED_JAR).exists();
    Process controlPlane = builder.start();
    Process stranger = null;
    ApiClient api = new ApiClient(port);
    try {
      await("the control plane answers")
          .atMost(Duration.ofSeconds(120))
          .ignoreExceptions()
          .until(() -> api.get("/actuator/health", null).status(), s -> s == 200);
      assertThat(
              api.put(RULES, WRITER, ControlPlaneApiIT.document(null, 0.1, "a"), Map.of()).status())
          .isEqualTo(200);

      int clientPort = launches.awaitClientPort(0);
      List<ProcessHandle> etcd =
          controlPlane.toHandle().children().filter(child -> isEtcd(child, state)).toList();
      assertThat(etcd).hasSize(1);
      etcd.get(0).destroyForcibly();
      launches.awaitClientPort(1); // the restart, held

      stranger = StrangerEtcd.start(strangerDir, clientPort);
      String strangerEndpoint = "http://127.0.0.1:" + clientPort;
      await("the other etcd answers on the embedded etcd's client port")
          .atMost(Duration.ofSeconds(30))
          .ignoreExceptions()
          .until(
              () ->
                  post(strangerEndpoint, "/v3/kv/range", "{\"key\":\"AA==\"}").contains("header"));

      // etcd exited and is not back: what answers on its port is not asked, even before the
      // restart finds the port taken
      ApiClient.Answer whileRestarting =
          api.put(RULES, WRITER, ControlPlaneApiIT.document(null, 0.2, "b"), Map.of());
      assertThat(whileRestarting.status()).as(whileRestarting.body()).isEqualTo(503);
      assertThat(whileRestarting.json().get("type").asString())
          .isEqualTo("urn:sluice:problem:etcd-unavailable");
      assertThat(whileRestarting.json().get("detail").asString())
          .contains("embedded etcd is not running")
          .contains("client port " + clientPort);

      launches.release(1);
      await("health names the other etcd on the port")
          .atMost(Duration.ofSeconds(60))
          .until(() -> embeddedHealth(api), h -> h.contains("member(s) [stranger]"));

      ApiClient.Answer put =
          api.put(RULES, WRITER, ControlPlaneApiIT.document(null, 0.3, "c"), Map.of());
      assertThat(put.status()).as(put.body()).isEqualTo(503);
      assertThat(put.header("Content-Type")).startsWith("application/problem+json");
      assertThat(put.header("Retry-After")).isEqualTo("5");
      assertThat(put.json().get("type").asString())
          .isEqualTo("urn:sluice:problem:etcd-unavailable");
      assertThat(put.json().get("detail").asString())
          .contains("nothing was changed")
          .contains("client port " + clientPort)
          .contains("another etcd (member(s) [stranger])");
      ApiClient.Answer read = api.get(RULES, WRITER);
      assertThat(read.status()).as(read.body()).isEqualTo(503);

      // nothing of the control plane's landed in the other etcd
      String sluiceKeys =
          post(
              strangerEndpoint,
              "/v3/kv/range",
              "{\"key\":\""
                  + base64("/sluice")
                  + "\",\"range_end\":\""
                  + base64("/sluicf")
                  + "\"}");
      assertThat(sluiceKeys).contains("header").doesNotContain("\"kvs\"");

      // nor did anything of the other etcd's reach the control plane: jetcd resumes a broken watch
      // by itself, at the revision after the last it saw, on whatever answers the port, so the
      // agents mirror followed the other etcd's agents once its revision passed the control
      // plane's (a few writes here). Today the mirror's read after the break replaces the watch
      // first; the guard holds without that order: the mirrors drop events that come while the
      // embedded etcd does not run, or in a later run than their watch started in (the events of
      // a resumed stream delivered after it runs again), and read etcd again (PrefixWatchIT)
      for (int i = 0; i < 20; i++) {
        putKey(
            strangerEndpoint,
            AGENTS + "strangers/s-" + i,
            LargeRangesIT.agent("strangers", "s-" + i));
      }
      await("the agents mirror has met the other etcd's events")
          .atMost(Duration.ofSeconds(90))
          .until(
              () ->
                  agents(api).contains("strangers")
                      || agentsMirrorError(api).contains("embedded etcd is not running"));
      assertThat(agents(api)).doesNotContain("strangers");

      // once the other etcd let the port go, the control plane's etcd runs there again, and the
      // mirror, told so, reads it at once and follows it, not the other etcd's revisions
      stranger.destroy();
      stranger.waitFor(30, TimeUnit.SECONDS);
      await("the embedded etcd runs again")
          .atMost(Duration.ofSeconds(90))
          .until(() -> embeddedHealth(api), String::isEmpty);
      putKey(
          "http://127.0.0.1:" + clientPort,
          AGENTS + "ours/o-1",
          LargeRangesIT.agent("ours", "o-1"));
      await("the agents mirror follows the control plane's etcd again")
          .atMost(Duration.ofSeconds(60))
          .until(() -> agents(api), body -> body.contains("\"o-1\""));
      assertThat(agents(api)).doesNotContain("strangers");
    } finally {
      stop(controlPlane);
      if (stranger != null) {
        stranger.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      held.close();
    }
  }

  /** GET /api/v1/agents, its body. */
  private static String agents(ApiClient api) {
    return api.get("/api/v1/agents", WRITER).body();
  }

  /** The {@code watches} component's error for the agents mirror, empty when there is none. */
  private static String agentsMirrorError(ApiClient api) {
    var agents =
        api.get("/actuator/health", null).json().get("components").get("watches").get("details");
    var error = agents.get("agents") == null ? null : agents.get("agents").get("error");
    return error == null ? "" : error.asString();
  }

  /** Puts {@code key} into the etcd at {@code endpoint} through its JSON gateway. */
  private static void putKey(String endpoint, String key, String value) throws Exception {
    assertThat(
            post(
                endpoint,
                "/v3/kv/put",
                "{\"key\":\"" + base64(key) + "\",\"value\":\"" + base64(value) + "\"}"))
        .contains("header");
  }

  /** The etcd component's {@code embedded} detail, empty when there is none. */
  private static String embeddedHealth(ApiClient api) {
    var etcd = api.get("/actuator/health", null).json().get("components").get("etcd");
    var embedded = etcd.get("details").get("embedded");
    return embedded == null ? "" : embedded.asString();
  }

  private static boolean isEtcd(ProcessHandle process, Path state) {
    return process
        .info()
        .arguments()
        .map(args -> String.join(" ", args).contains("--data-dir=" + state))
        .orElse(false);
  }

  /** Stops the control plane as an operator would (it stops its etcd), and anything it left. */
  private static void stop(Process controlPlane) throws InterruptedException {
    List<ProcessHandle> descendants = controlPlane.toHandle().descendants().toList();
    controlPlane.destroy();
    if (!controlPlane.waitFor(60, TimeUnit.SECONDS)) {
      controlPlane.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    descendants.forEach(ProcessHandle::destroyForcibly);
  }

  private static String post(String endpoint, String path, String json) throws Exception {
    return EtcdGatewayHttp.post(URI.create(endpoint + path), json, null, Duration.ofSeconds(5))
        .body();
  }

  private static String base64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }
}
