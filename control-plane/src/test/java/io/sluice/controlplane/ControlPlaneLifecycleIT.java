package io.sluice.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.controlplane.etcd.UnansweringEndpoint;
import io.sluice.rules.RuleSchema;
import io.sluice.testing.etcd.EtcdExtension;
import io.sluice.testing.etcd.EtcdServer;
import io.sluice.testing.logging.LogCapture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The control plane keeps no state of its own: restarting it (closing and recreating the Spring
 * context) loses nothing, with an external etcd and with the embedded one.
 */
class ControlPlaneLifecycleIT {

  static final String WRITER = "writer-token-0000000002";

  private static final Path PACKAGED_JAR = Path.of("target", "sluice-control-plane.jar");

  @RegisterExtension static final EtcdExtension etcd = new EtcdExtension();

  static Map<String, String> withWriter(Map<String, String> properties) {
    Map<String, String> all = new java.util.HashMap<>(properties);
    all.put("sluice.security.tokens.writer.token", WRITER);
    all.put("sluice.security.tokens.writer.role", "writer");
    return all;
  }

  @Test
  void restartKeepsRulesAndHistoryAndRecoversAnUnwrittenHistoryKeyFromTheJournal() {
    Map<String, String> config = withWriter(Map.of("sluice.etcd.endpoints", etcd.endpoint()));
    String path = "/api/v1/services/billing/rules";
    long r1;
    long r2;
    try (RunningControlPlane first = RunningControlPlane.start(config)) {
      ApiClient api = first.api();
      r1 = revision(api.put(path, WRITER, ControlPlaneApiIT.document(null, 0.1, "a"), Map.of()));
      r2 = revision(api.put(path, WRITER, ControlPlaneApiIT.document(null, 0.2, "b"), Map.of()));
    }
    // as if the control plane had died between its transaction and the history put
    etcd.server().delete("/sluice/v1/history/billing/" + String.format(Locale.ROOT, "%020d", r2));

    Map<String, String> openReads = new java.util.HashMap<>(config);
    openReads.put("sluice.security.open-reads", "true");
    try (RunningControlPlane second = RunningControlPlane.start(openReads)) {
      ApiClient api = second.api();
      // reads opened by configuration need no token; writes still do
      assertThat(api.get(path, null).status()).isEqualTo(200);
      assertThat(api.put(path, null, ControlPlaneApiIT.document(null, 0.9, "z"), Map.of()).status())
          .isEqualTo(401);
      ApiClient.Answer read = api.get(path, WRITER);
      assertThat(read.header("ETag")).isEqualTo("\"" + r2 + "\"");
      assertThat(read.json().get("sampling").get("defaultRatio").asDouble()).isEqualTo(0.2);
      assertThat(revisions(api.get(path + "/history", WRITER).json())).containsExactly(r2, r1);
      assertThat(api.get(path + "/history/" + r2, WRITER).status()).isEqualTo(200);

      long r3 =
          revision(api.put(path, WRITER, ControlPlaneApiIT.document(null, 0.3, "c"), Map.of()));
      assertThat(revisions(api.get(path + "/history", WRITER).json())).containsExactly(r3, r2, r1);
    }
    // the next write copied the journal's entry to its history key
    assertThat(etcdGet("/sluice/v1/history/billing/" + String.format(Locale.ROOT, "%020d", r2)))
        .contains("0.2");
  }

  @Test
  void twoControlPlanesOnOneEtcdShareRulesHistoryAndConcurrencyChecks() {
    Map<String, String> config = withWriter(Map.of("sluice.etcd.endpoints", etcd.endpoint()));
    String path = "/api/v1/services/shared/rules";
    Map<String, String> withDetails = new java.util.HashMap<>(config);
    withDetails.put("management.endpoint.health.show-details", "always");
    try (RunningControlPlane a = RunningControlPlane.start(config);
        RunningControlPlane b = RunningControlPlane.start(withDetails)) {
      // health details are hidden by default; an operator turns them on with one property
      JsonNode hidden = a.api().get("/actuator/health", null).json().get("components");
      assertThat(hidden.get("etcd").get("status").asString()).isEqualTo("UP");
      assertThat(hidden.get("etcd").has("details")).isFalse();
      JsonNode shown = b.api().get("/actuator/health", null).json().get("components");
      assertThat(shown.get("etcd").get("details").get("revision").asLong()).isPositive();
      assertThat(shown.get("watches").get("details").has("rules")).isTrue();
      long r1 =
          revision(a.api().put(path, WRITER, ControlPlaneApiIT.document(null, 0.1, "a"), Map.of()));
      assertThat(b.api().get(path, WRITER).header("ETag")).isEqualTo("\"" + r1 + "\"");
      long r2 =
          revision(
              b.api()
                  .put(
                      path,
                      WRITER,
                      ControlPlaneApiIT.document(null, 0.2, "b"),
                      Map.of("If-Match", "\"" + r1 + "\"")));
      // a's editor still holds r1: refused, whichever instance answers
      assertThat(
              a.api()
                  .put(
                      path,
                      WRITER,
                      ControlPlaneApiIT.document(null, 0.3, "stale"),
                      Map.of("If-Match", "\"" + r1 + "\""))
                  .status())
          .isEqualTo(412);
      assertThat(revisions(a.api().get(path + "/history", WRITER).json())).containsExactly(r2, r1);
      assertThat(revisions(b.api().get(path + "/history", WRITER).json())).containsExactly(r2, r1);
    }
  }

  @Test
  void embeddedEtcdStartsWithoutEndpointsAndKeepsDataAcrossRestarts(@TempDir Path state) {
    Map<String, String> config = withWriter(Map.of("sluice.state.dir", state.toString()));
    String path = "/api/v1/services/first-use/rules";
    long written;
    try (RunningControlPlane first = RunningControlPlane.start(config)) {
      written =
          revision(
              first.api().put(path, WRITER, ControlPlaneApiIT.document(null, 0.4, "x"), Map.of()));
      assertThat(first.api().get("/actuator/health", null).json().get("status").asString())
          .isEqualTo("UP");
    }
    assertThat(state.resolve("etcd/data")).isDirectory();
    try (RunningControlPlane second = RunningControlPlane.start(config)) {
      ApiClient.Answer read = second.api().get(path, WRITER);
      assertThat(read.status()).isEqualTo(200);
      assertThat(read.header("ETag")).isEqualTo("\"" + written + "\"");
    }
  }

  /**
   * With nothing listening at the endpoint (every connection refused), the start waited the
   * warm-up's 60 s for an answer that could not come (a start took over a minute): it now opens the
   * port after about {@code sluice.etcd.timeout} twice (the warm-up's probes, then the mirrors'
   * first reads), health DOWN, and the log says nothing listens there. Once etcd runs there, the
   * control plane connects: health UP, and what is written is read.
   */
  @Test
  void startsWithinSecondsWhenNothingListensAtTheEndpointAndConnectsWhenEtcdComes()
      throws Exception {
    try (EtcdServer later = EtcdServer.fromPath()) {
      later.start(); // for its ports, kept across a stop
      later.stop();
      StartedDown started = startWhereNoEtcdAnswers(later.endpoint());
      try (RunningControlPlane down = started.controlPlane()) {
        assertThat(started.warmUpLine())
            .contains("nothing listens at etcd's endpoints", "127.0.0.1:" + later.port())
            .contains("every connection refused for 3000 ms");
        assertThat(started.etcdHealth().get("details").get("start").get("verdict").asString())
            .isEqualTo("nothing listens at etcd's endpoints: every connection refused for 3000 ms");
        assertThat(
                started
                    .etcdHealth()
                    .get("details")
                    .get("start")
                    .get("endpoints")
                    .get("127.0.0.1:" + later.port())
                    .asString())
            .isEqualTo("connection refused");

        later.start();
        await("health once etcd runs")
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(200))
            .until(() -> down.api().get("/actuator/health", null).status(), s -> s == 200);
        String path = "/api/v1/services/came-later/rules";
        assertThat(
                down.api()
                    .put(path, WRITER, ControlPlaneApiIT.document(null, 0.4, "d"), Map.of())
                    .status())
            .isEqualTo(200);
        assertThat(down.api().get(path, WRITER).status()).isEqualTo(200);
      }
    }
  }

  /**
   * An endpoint that drops connection attempts (a firewall, a full backlog), and one that accepts
   * them and never answers (a hung process, the wrong port): the start waited the warm-up's 60 s
   * for them. It now opens the port after about {@code sluice.etcd.timeout} twice, as when nothing
   * listens, health DOWN, and the log names each endpoint and what it did.
   */
  @Test
  void startsWithinSecondsWhenTheEndpointsDoNotAnswer() throws Exception {
    try (UnansweringEndpoint dropping = UnansweringEndpoint.dropping();
        UnansweringEndpoint silent = UnansweringEndpoint.silent()) {
      StartedDown started = startWhereNoEtcdAnswers(dropping.endpoint() + "," + silent.endpoint());
      try (RunningControlPlane down = started.controlPlane()) {
        assertThat(started.warmUpLine())
            .contains(
                "etcd did not answer at its endpoints for 3000 ms",
                "127.0.0.1:" + dropping.port() + ": connect timed out",
                "127.0.0.1:" + silent.port() + ": accepted but did not answer");
        // health says the same to an operator who has no log at hand
        JsonNode start = started.etcdHealth().get("details").get("start");
        assertThat(start.get("verdict").asString())
            .isEqualTo("etcd did not answer at its endpoints for 3000 ms");
        assertThat(start.get("endpoints").get("127.0.0.1:" + dropping.port()).asString())
            .isEqualTo("connect timed out");
        assertThat(start.get("endpoints").get("127.0.0.1:" + silent.port()).asString())
            .isEqualTo("accepted but did not answer");
      }
    }
  }

  /**
   * A control plane started where no etcd answers, the one line its warm-up logged, and the {@code
   * etcd} component of its first health answer (details shown).
   */
  private record StartedDown(
      RunningControlPlane controlPlane, String warmUpLine, JsonNode etcdHealth) {}

  /**
   * Starts a control plane against {@code endpoints}, where no etcd answers, with a 3 s etcd
   * timeout: it must open its port within 40 s (room for a first Spring start in this JVM on a busy
   * machine, about 15 s; the warm-up's 60 s wait still fails it), with health DOWN (details shown)
   * and one line from the warm-up.
   */
  private static StartedDown startWhereNoEtcdAnswers(String endpoints) throws Exception {
    long starting = System.nanoTime();
    RunningControlPlane down;
    List<String> lines;
    try (LogCapture warmUp =
        LogCapture.of(Class.forName("io.sluice.controlplane.etcd.EtcdWarmUp"))) {
      down =
          RunningControlPlane.start(
              withWriter(
                  Map.of(
                      "sluice.etcd.endpoints",
                      endpoints,
                      "sluice.etcd.timeout",
                      "3s",
                      "management.endpoint.health.show-details",
                      "always")));
      lines = warmUp.messages();
    }
    try {
      assertThat(Duration.ofNanos(System.nanoTime() - starting)).isLessThan(Duration.ofSeconds(40));
      ApiClient.Answer health = down.api().get("/actuator/health", null);
      assertThat(health.status()).isEqualTo(503);
      assertThat(lines).hasSize(1);
      return new StartedDown(down, lines.get(0), health.json().get("components").get("etcd"));
    } catch (RuntimeException | Error e) {
      down.close();
      throw e;
    }
  }

  @Test
  void exitsWithOneLineWhenEtcdIsNeitherConfiguredNorInstalled(@TempDir Path state)
      throws IOException, InterruptedException {
    ProcessBuilder builder = packagedControlPlane(state, "--logging.level.root=OFF");
    builder.environment().put("PATH", state.toString());
    builder.redirectErrorStream(true);
    Process process = builder.start();
    String output;
    try {
      assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("the control plane exits").isTrue();
      output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    } finally {
      process.destroyForcibly(); // one that did not exit must not outlive the test
    }
    assertThat(process.exitValue()).isNotZero();
    List<String> lines = output.lines().filter(l -> !l.isBlank()).toList();
    assertThat(lines).as(output).hasSize(1);
    assertThat(lines.get(0))
        .contains("etcd not found on PATH")
        .contains("apt-get install etcd-server")
        .contains("--sluice.etcd.endpoints=");
  }

  /**
   * A JVM without a home keeps the embedded etcd's data under {@code <tmpdir>/sluice-<user>}; one
   * planted there open to all stops the start, as before, but in the one line that names it and
   * {@code sluice.state.dir}: before, the refusal was an exception out of the embedded etcd's bean,
   * a stack trace in the log (and nothing at all with logging off, as here). A JVM with no default
   * directory at all is refused the same way ({@code StateSettingsTest}).
   */
  @Test
  void exitsWithOneLineNamingTheStateDirWhenTheTemporaryFallbackIsNotPrivate(@TempDir Path dir)
      throws IOException, InterruptedException {
    Path tmp = Files.createDirectories(dir.resolve("tmp"));
    Path planted = Files.createDirectory(tmp.resolve("sluice-app"));
    Files.setPosixFilePermissions(
        planted, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
    List<String> command = ForkedJvm.java();
    command.addAll(
        List.of(
            "-Djava.io.tmpdir=" + tmp,
            "-Duser.home=?",
            "-Duser.name=app",
            "-jar",
            PACKAGED_JAR.toAbsolutePath().toString(),
            "--server.port=0",
            "--server.tomcat.basedir=" + dir.resolve("tomcat"),
            "--logging.level.root=OFF"));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.directory(dir.toFile());
    builder.redirectErrorStream(true);
    Process process = builder.start();
    String output;
    try {
      assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("the control plane exits").isTrue();
      output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    } finally {
      process.destroyForcibly(); // one that did not exit must not outlive the test
    }
    assertThat(process.exitValue()).isNotZero();
    List<String> lines = output.lines().filter(l -> !l.isBlank()).toList();
    assertThat(lines).as(output).hasSize(1);
    assertThat(lines.get(0))
        .startsWith(
            "refusing to keep the embedded etcd's data in "
                + planted.resolve(".sluice")
                + ", under the temporary directory because the JVM knows no home directory")
        .contains("writable by group or others")
        .endsWith("; set sluice.state.dir to a directory only this user can write");
    assertThat(planted.resolve(".sluice")).doesNotExist();
  }

  /**
   * gRPC logged "Epoll available during static init of TcpMetrics:false" at INFO on every start,
   * which reads like a problem and is none: a start of the packaged control plane (a JVM of its
   * own, so gRPC's static init runs in it) logs no such line.
   */
  @Test
  void startUpLogHasNoLineAboutGrpcsEpollTransport(@TempDir Path state) throws IOException {
    ProcessBuilder builder =
        packagedControlPlane(state, "--sluice.etcd.endpoints=" + etcd.endpoint());
    builder.redirectErrorStream(true);
    Process process = builder.start();
    List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
    Thread reader =
        new Thread(
            () -> {
              try (var in =
                  new java.io.BufferedReader(
                      new java.io.InputStreamReader(
                          process.getInputStream(), StandardCharsets.UTF_8))) {
                in.lines().forEach(lines::add);
              } catch (IOException | java.io.UncheckedIOException e) {
                // the process was stopped
              }
            });
    reader.setDaemon(true);
    reader.start();
    try {
      await("the control plane started")
          .atMost(Duration.ofSeconds(120))
          .until(
              () ->
                  lines.stream().anyMatch(l -> l.contains("Started ControlPlaneApplication"))
                      || !process.isAlive());
    } finally {
      process.destroyForcibly(); // it must not outlive the test
    }
    String output = String.join("\n", lines);
    assertThat(lines).as(output).anyMatch(l -> l.contains("Started ControlPlaneApplication"));
    assertThat(output).doesNotContain("TcpMetrics").doesNotContain("Epoll available");
    // killed: what it left in its temporary directory is the test's, deleted with state
    assertThat(state.resolve("tmp"))
        .isDirectoryContaining(p -> p.getFileName().toString().startsWith("tomcat-docbase."));
  }

  /**
   * The web UI checks documents as they are typed against the schema sampler-rules ships, fetched
   * from {@code /schema/sluice-rules.schema.json}: the build copies it into the packaged jar, where
   * Spring serves {@code static/} from.
   */
  @Test
  void packagedJarCarriesTheRuleSchemaSamplerRulesShips() throws IOException {
    try (JarFile jar = new JarFile(PACKAGED_JAR.toFile())) {
      JarEntry schema = jar.getJarEntry("BOOT-INF/classes/static/schema/" + RuleSchema.RESOURCE);
      assertThat(schema).as("the schema in the packaged jar").isNotNull();
      try (var in = jar.getInputStream(schema)) {
        assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8))
            .isEqualTo(RuleSchema.json());
      }
    }
  }

  /**
   * A start of the packaged jar in a JVM of its own, its state and its temporary files under {@code
   * state}: Spring Boot's Tomcat makes a document root ({@code tomcat-docbase.0.*}) in the
   * temporary directory, deleted only at a normal exit, and a test that kills the JVM would leave
   * one in the machine's temporary directory at every run.
   */
  private static ProcessBuilder packagedControlPlane(Path state, String... arguments)
      throws IOException {
    Path jar = PACKAGED_JAR;
    assertThat(jar).exists();
    List<String> command = ForkedJvm.java();
    command.addAll(
        List.of(
            "-Djava.io.tmpdir=" + Files.createDirectories(state.resolve("tmp")),
            "-jar",
            jar.toString(),
            "--server.port=0",
            "--sluice.state.dir=" + state,
            "--server.tomcat.basedir=" + state.resolve("tomcat")));
    command.addAll(List.of(arguments));
    return new ProcessBuilder(command);
  }

  private static String etcdGet(String key) {
    try (io.etcd.jetcd.Client client =
        io.etcd.jetcd.Client.builder().endpoints(etcd.endpoint()).build()) {
      var kvs =
          client
              .getKVClient()
              .get(io.etcd.jetcd.ByteSequence.from(key, StandardCharsets.UTF_8))
              .get(10, TimeUnit.SECONDS)
              .getKvs();
      return kvs.isEmpty() ? "" : kvs.get(0).getValue().toString(StandardCharsets.UTF_8);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static long revision(ApiClient.Answer answer) {
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    return answer.json().get("revision").asLong();
  }

  private static List<Long> revisions(JsonNode page) {
    List<Long> revisions = new java.util.ArrayList<>();
    page.get("entries").forEach(e -> revisions.add(e.get("revision").asLong()));
    return revisions;
  }
}
