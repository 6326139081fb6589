package io.sluice.controlplane.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.sluice.testing.etcd.EtcdGatewayHttp;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedEtcdIT {

  private static final String PATH = System.getenv().getOrDefault("PATH", "");

  @Test
  void runsAnEtcdThatCompactsItsHistory(@TempDir Path stateDir) throws Exception {
    try (EmbeddedEtcd etcd = EmbeddedEtcd.start(stateDir, PATH, 1_572_864)) {
      assertThat(etcd.command())
          .contains("--auto-compaction-mode=periodic", "--auto-compaction-retention=1h");
      // etcd refuses to start with a flag it does not know: answering, it took them
      HttpResponse<String> health =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(etcd.endpoint() + "/health"))
                      .timeout(Duration.ofSeconds(5))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(health.body()).contains("true");
      // started, it is its owner's to close (after the control plane's graceful shutdown), not
      // the JVM exit's: a hook still registered would stop it beside that shutdown
      assertThat(Runtime.getRuntime().removeShutdownHook(etcd.stopAtExit)).isFalse();
    }
  }

  /**
   * etcd takes {@code --initial-advertise-peer-urls} only when it creates its data: started again
   * on its data (each start of the control plane picks new ports) its member record kept the first
   * start's peer port, which it no longer listens on.
   */
  @Test
  void advertisesThePeerPortItListensOnWhenStartedAgainOnItsData(@TempDir Path stateDir)
      throws Exception {
    try (EmbeddedEtcd first = EmbeddedEtcd.start(stateDir, PATH, 1_572_864)) {
      assertThat(memberList(first)).contains(peerUrl(first));
    }
    try (EmbeddedEtcd again = EmbeddedEtcd.start(stateDir, PATH, 1_572_864)) {
      assertThat(memberList(again)).contains("\"peerURLs\":[\"" + peerUrl(again) + "\"]");
    }
  }

  private static String peerUrl(EmbeddedEtcd etcd) {
    String flag = "--listen-peer-urls=";
    return etcd.command().stream()
        .filter(arg -> arg.startsWith(flag))
        .findFirst()
        .orElseThrow()
        .substring(flag.length());
  }

  private static String memberList(EmbeddedEtcd etcd) throws Exception {
    return EtcdGatewayHttp.post(
            URI.create(etcd.endpoint() + "/v3/cluster/member/list"),
            "{}",
            null,
            Duration.ofSeconds(5))
        .body();
  }

  @Test
  void refusesAtOnceADataDirectoryAnotherControlPlaneKeepsItsEtcdIn(@TempDir Path stateDir)
      throws Exception {
    try (EmbeddedEtcd first = EmbeddedEtcd.start(stateDir, PATH, 1_572_864)) {
      // etcd itself would wait for the first one's database lock and never answer (30 s, then
      // "did not answer")
      assertThatThrownBy(() -> EmbeddedEtcd.start(stateDir, PATH, 1_572_864))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("is in use by another control plane")
          .hasMessageContaining(
              stateDir.resolve("etcd").resolve(DataDirectoryLock.LOCK_FILE).toString())
          .hasMessageContaining("sluice.state.dir");
      assertThat(health(first)).isEqualTo(200);
    }
    // closed, the directory is free again
    try (EmbeddedEtcd again = EmbeddedEtcd.start(stateDir, PATH, 1_572_864)) {
      assertThat(health(again)).isEqualTo(200);
    }
  }

  /**
   * The lock is a POSIX record lock, which belongs to the process: a refused second start in the
   * same JVM that opened the lock file and closed it again released the first one's lock, so a
   * control plane in another process was no longer refused (it waited 30 s for etcd instead).
   */
  @Test
  void aSecondStartRefusedInTheSameJvmLeavesTheDirectoryLockedForOtherProcesses(
      @TempDir Path stateDir) throws Exception {
    try (EmbeddedEtcd first = EmbeddedEtcd.start(stateDir, PATH, 1_572_864)) {
      Path lockFile = stateDir.resolve("etcd").resolve(DataDirectoryLock.LOCK_FILE);
      assertThat(lockableByAnotherProcess(lockFile)).as("held by the first start").isFalse();

      assertThatThrownBy(() -> EmbeddedEtcd.start(stateDir, PATH, 1_572_864))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("is in use by another control plane");

      assertThat(lockableByAnotherProcess(lockFile))
          .as("still held by the first start after the second was refused")
          .isFalse();
      assertThat(health(first)).isEqualTo(200);
    }
  }

  /** Whether a JVM of its own can lock {@code file}, as another control plane would. */
  private static boolean lockableByAnotherProcess(Path file) throws Exception {
    Process probe =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                LockProbe.class.getName(),
                file.toString())
            .redirectErrorStream(true)
            .start();
    assertThat(probe.waitFor(30, TimeUnit.SECONDS)).as("the probe ends").isTrue();
    String said = new String(probe.getInputStream().readAllBytes()).strip();
    assertThat(said).as("the probe's answer").isIn("locked", "held");
    return said.equals("locked");
  }

  /** Tries once to lock the file it is given and says whether it could. */
  static final class LockProbe {
    public static void main(String[] args) throws Exception {
      try (java.nio.channels.FileChannel channel =
          java.nio.channels.FileChannel.open(
              Path.of(args[0]), java.nio.file.StandardOpenOption.WRITE)) {
        System.out.println(channel.tryLock() != null ? "locked" : "held");
      }
    }
  }

  @Test
  void stopsTheEtcdItStartedWhenItsStartIsInterrupted(@TempDir Path stateDir, @TempDir Path bin)
      throws Exception {
    // an etcd that never answers (it waits on its standard input, which stays open): the start
    // waits for it until interrupted
    EtcdLaunchScript.real().hang(0).writeTo(bin);
    CompletableFuture<EmbeddedEtcd> start = new CompletableFuture<>();
    Thread starter =
        new Thread(
            () -> {
              try {
                start.complete(EmbeddedEtcd.start(stateDir, bin.toString(), 1_572_864));
              } catch (RuntimeException e) {
                start.completeExceptionally(e);
              }
            });
    starter.start();
    List<ProcessHandle> started =
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> children(stateDir), children -> !children.isEmpty());
    try {
      starter.interrupt();
      assertThatThrownBy(() -> start.get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .hasRootCauseInstanceOf(InterruptedException.class);
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(() -> assertThat(started).noneMatch(ProcessHandle::isAlive));
      // and the data directory is free for the next start
      Files.delete(bin.resolve("etcd"));
      try (EmbeddedEtcd next = EmbeddedEtcd.start(stateDir, PATH, 1_572_864)) {
        assertThat(health(next)).isEqualTo(200);
      }
    } finally {
      started.forEach(ProcessHandle::destroyForcibly);
    }
  }

  /**
   * A free port can be given to another process between the moment the control plane picks it and
   * the moment etcd binds it: the first start then found its client port taken and failed. It
   * starts again on new ports. Here an {@code etcd} first on the search path holds the first launch
   * back while the test takes its client port.
   */
  @Test
  void startsOnNewPortsWhenItsClientPortIsTakenBeforeEtcdBindsIt(
      @TempDir Path stateDir, @TempDir Path bin) throws Exception {
    startsOnNewPortsWhenTheFirstLaunchsClientPortIsTaken(
        stateDir, bin, EtcdLaunchScript.real().hold(0));
  }

  /**
   * An etcd that exits at start because its client port is taken was known only by its log's words
   * ("127.0.0.1:PORT: bind: address already in use"): worded otherwise (another etcd version), the
   * start failed with "exited with 1". The port is also tried once etcd has exited. Here an {@code
   * etcd} first on the search path exits at its first launch, saying something else, while the test
   * holds its client port; later launches run the real etcd.
   */
  @Test
  void startsOnNewPortsWhenEtcdExitsWithoutSayingItsClientPortIsTaken(
      @TempDir Path stateDir, @TempDir Path bin) throws Exception {
    startsOnNewPortsWhenTheFirstLaunchsClientPortIsTaken(
        stateDir, bin, EtcdLaunchScript.real().hold(0).fail(0, "cannot listen for clients"));
  }

  /**
   * Starts the embedded etcd with {@code script} (which holds its first launch back) first on the
   * search path, takes that launch's client port, lets it go on, and checks that the start ends
   * with an etcd that answers on another port.
   */
  private static void startsOnNewPortsWhenTheFirstLaunchsClientPortIsTaken(
      Path stateDir, Path bin, EtcdLaunchScript script) throws Exception {
    EtcdLaunches launches = script.writeTo(bin);
    CompletableFuture<EmbeddedEtcd> start =
        CompletableFuture.supplyAsync(
            () -> EmbeddedEtcd.start(stateDir, bin + java.io.File.pathSeparator + PATH, 1_572_864));
    try (ServerSocket taken = new ServerSocket()) {
      int clientPort = launches.awaitClientPort(0);
      taken.setReuseAddress(true);
      taken.bind(new InetSocketAddress("127.0.0.1", clientPort));
      assertThat(LoopbackPorts.bindable(clientPort)).as("the client port is taken").isFalse();
      launches.release(0);
      try (EmbeddedEtcd etcd = start.get(60, TimeUnit.SECONDS)) {
        assertThat(etcd.endpoint()).isNotEqualTo("http://127.0.0.1:" + clientPort);
        assertThat(health(etcd)).isEqualTo(200);
      }
    } finally {
      start.thenAccept(EmbeddedEtcd::close);
    }
  }

  /**
   * Another etcd that takes the client port before the control plane's etcd binds it answers {@code
   * /health} as well as its own would: the start trusted it, and the control plane kept its rules
   * in a stranger's etcd. The start knows its own etcd by the member name of the launch, and starts
   * again on new ports when its etcd finds the port taken. Here an {@code etcd} first on the search
   * path holds the first launch back while a real second etcd takes its client port.
   */
  @Test
  void doesNotTakeAnotherEtcdOnItsClientPortForItsOwn(
      @TempDir Path stateDir, @TempDir Path bin, @TempDir Path strangerDir) throws Exception {
    EtcdLaunches launches = EtcdLaunchScript.real().hold(0).writeTo(bin);
    CompletableFuture<EmbeddedEtcd> start =
        CompletableFuture.supplyAsync(
            () -> EmbeddedEtcd.start(stateDir, bin + java.io.File.pathSeparator + PATH, 1_572_864));
    Process stranger = null;
    try {
      int clientPort = launches.awaitClientPort(0);
      String strangerEndpoint = "http://127.0.0.1:" + clientPort;
      stranger = StrangerEtcd.start(strangerDir, clientPort);
      await("the other etcd answers")
          .atMost(Duration.ofSeconds(30))
          .ignoreExceptions()
          .until(() -> post(strangerEndpoint, "/v3/kv/put", "{\"key\":\"b3RoZXI=\"}"), ok -> ok);
      launches.release(0);
      try (EmbeddedEtcd etcd = start.get(90, TimeUnit.SECONDS)) {
        assertThat(etcd.endpoint()).isNotEqualTo(strangerEndpoint);
        assertThat(health(etcd)).isEqualTo(200);
        // its own etcd: the other's key is not there
        assertThat(range(etcd.endpoint(), "b3RoZXI=")).doesNotContain("b3RoZXI=");
      }
    } finally {
      start.thenAccept(EmbeddedEtcd::close);
      if (stranger != null) {
        stranger.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * A start that times out blamed the last other etcd it had seen on its client port even when that
   * one had gone away long before, and the port was since silent: the operator was sent after an
   * etcd no longer there. Here an {@code etcd} first on the search path never answers, a real other
   * etcd answers on its client port until the start has asked it for its members, then stops.
   */
  @Test
  void aStartThatTimesOutAfterAnotherEtcdWentAwayDoesNotBlameIt(
      @TempDir Path stateDir, @TempDir Path bin, @TempDir Path strangerDir) throws Exception {
    EtcdLaunches launches = EtcdLaunchScript.real().hang(0).writeTo(bin);
    // time enough for the other etcd to start and be asked, not the 30 s a control plane waits
    CompletableFuture<EmbeddedEtcd> start =
        CompletableFuture.supplyAsync(
            () -> startTimingOutAfter(stateDir, bin, Duration.ofSeconds(15)));
    Process stranger = null;
    try {
      int clientPort = launches.awaitClientPort(0);
      String strangerEndpoint = "http://127.0.0.1:" + clientPort;
      stranger = StrangerEtcd.start(strangerDir, clientPort);
      await("the start asked the other etcd for its members")
          .atMost(Duration.ofSeconds(25))
          .ignoreExceptions()
          .until(() -> memberListsAnswered(strangerEndpoint) > 0);
      stranger.destroyForcibly().waitFor(10, TimeUnit.SECONDS);

      assertThatThrownBy(() -> start.get(60, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .hasMessageContaining("did not answer within")
          .hasMessageNotContaining("stranger")
          .hasMessageNotContaining("another etcd");
    } finally {
      start.thenAccept(EmbeddedEtcd::close);
      if (stranger != null) {
        stranger.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * Something on the client port that answers {@code /health} healthy but not etcd's member list
   * (404 here) gave an empty list of members, and a start that timed out blamed "another etcd
   * (member(s) [])". It is another process, and the message says how to find it. Here an {@code
   * etcd} first on the search path never answers, and an HTTP server of the test takes its client
   * port.
   */
  @Test
  void aStartThatTimesOutOnAPortAnsweredByNoEtcdSaysAnotherProcessHasIt(
      @TempDir Path stateDir, @TempDir Path bin) throws Exception {
    EtcdLaunches launches = EtcdLaunchScript.real().hang(0).writeTo(bin);
    CompletableFuture<EmbeddedEtcd> start =
        CompletableFuture.supplyAsync(
            () -> startTimingOutAfter(stateDir, bin, Duration.ofSeconds(8)));
    com.sun.net.httpserver.HttpServer notEtcd = null;
    try {
      int clientPort = launches.awaitClientPort(0);
      notEtcd =
          com.sun.net.httpserver.HttpServer.create(
              new InetSocketAddress("127.0.0.1", clientPort), 0);
      notEtcd.createContext(
          "/",
          exchange -> {
            byte[] body =
                "/health".equals(exchange.getRequestURI().getPath())
                    ? "{\"health\":\"true\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8)
                    : new byte[0];
            exchange.sendResponseHeaders(body.length == 0 ? 404 : 200, body.length == 0 ? -1 : 0);
            exchange.getResponseBody().write(body);
            exchange.close();
          });
      notEtcd.start();

      assertThatThrownBy(() -> start.get(60, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .hasMessageContaining("client port " + clientPort + " is answered by another process")
          .hasMessageContaining("ss -ltnp 'sport = :" + clientPort + "'")
          .hasMessageNotContaining("another etcd")
          .hasMessageNotContaining("member(s)");
    } finally {
      start.thenAccept(EmbeddedEtcd::close);
      if (notEtcd != null) {
        notEtcd.stop(0);
      }
    }
  }

  /**
   * An embedded etcd started from {@code bin} that gives its launch {@code timeout} to answer: the
   * tests of a start that times out wait that long, not {@link EmbeddedEtcd#START_TIMEOUT}.
   */
  private static EmbeddedEtcd startTimingOutAfter(Path stateDir, Path bin, Duration timeout) {
    return EmbeddedEtcd.start(stateDir, bin.toString(), 1_572_864, System::nanoTime, timeout);
  }

  /** How many member lists the etcd at {@code endpoint} answered, by its own metrics. */
  private static long memberListsAnswered(String endpoint) throws Exception {
    String metrics =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(endpoint + "/metrics"))
                    .timeout(Duration.ofSeconds(2))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    return metrics
        .lines()
        .filter(
            line ->
                line.startsWith("grpc_server_handled_total{grpc_code=\"OK\",")
                    && line.contains("grpc_method=\"MemberList\""))
        .mapToLong(line -> (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
        .sum();
  }

  private static boolean post(String endpoint, String path, String json) throws Exception {
    return EtcdGatewayHttp.post(URI.create(endpoint + path), json, null, Duration.ofSeconds(2))
            .status()
        == 200;
  }

  private static String range(String endpoint, String base64Key) throws Exception {
    return EtcdGatewayHttp.post(
            URI.create(endpoint + "/v3/kv/range"),
            "{\"key\":\"" + base64Key + "\"}",
            null,
            Duration.ofSeconds(5))
        .body();
  }

  /**
   * etcd died and its supervisor starts it again, on the same client port (the control plane's
   * client has it) and peer port: another process given the peer port meanwhile made the restart
   * fail, and etcd stayed down. It starts again on a new peer port, with its data. Here an {@code
   * etcd} first on the search path holds the restart back while the test takes the peer port.
   */
  @Test
  void restartsOnANewPeerPortWhenItsOwnWasTakenMeanwhile(@TempDir Path stateDir, @TempDir Path bin)
      throws Exception {
    EtcdLaunches launches = EtcdLaunchScript.real().hold(1).writeTo(bin);
    try (EmbeddedEtcd etcd =
            EmbeddedEtcd.start(stateDir, bin + java.io.File.pathSeparator + PATH, 1_572_864);
        ServerSocket taken = new ServerSocket()) {
      String endpoint = etcd.endpoint();
      EtcdGatewayHttp.post(
          URI.create(endpoint + "/v3/kv/put"),
          "{\"key\":\"a2VwdA==\",\"value\":\"eQ==\"}",
          null,
          Duration.ofSeconds(5));
      int peerPort = launches.awaitPeerPort(0);
      children(stateDir).forEach(ProcessHandle::destroyForcibly);

      int restartPeerPort = launches.awaitPeerPort(1);
      assertThat(restartPeerPort).isEqualTo(peerPort);
      taken.setReuseAddress(true);
      taken.bind(new InetSocketAddress("127.0.0.1", peerPort));
      launches.release(1);

      assertThat(etcd.endpoint()).isEqualTo(endpoint);
      await("etcd answers again, with its data")
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> {
                try {
                  return EtcdGatewayHttp.post(
                          URI.create(endpoint + "/v3/kv/range"),
                          "{\"key\":\"a2VwdA==\"}",
                          null,
                          Duration.ofSeconds(2))
                      .body()
                      .contains("\"value\":\"eQ==\"");
                } catch (java.io.IOException notYet) {
                  return false;
                }
              });
      // and its member record names the peer port it listens on now, not the taken one
      assertThat(peerUrl(etcd)).isNotEqualTo("http://127.0.0.1:" + peerPort);
      await("the member record names the new peer port")
          .atMost(Duration.ofSeconds(10))
          .until(() -> memberList(etcd).contains("\"peerURLs\":[\"" + peerUrl(etcd) + "\"]"));
    }
  }

  /**
   * etcd died and its supervisor starts it again on the same client port, which the control plane's
   * client was given: another process that had taken that port meanwhile made the restart fail, and
   * etcd stayed down for good. The supervisor now tries again, waiting longer each time (bounded),
   * says on health which port is taken, and etcd is back on the same endpoint, with its data, once
   * the port is free. Here an {@code etcd} first on the search path holds the restart back while
   * the test takes the client port, then lets it go. Only the launch that runs counts as a run, and
   * the watches are told once it does, when its trouble is already cleared.
   */
  @Test
  void restartsOnItsClientPortOnceAnotherProcessLetsItGo(@TempDir Path stateDir, @TempDir Path bin)
      throws Exception {
    EtcdLaunches launches = EtcdLaunchScript.real().hold(1).writeTo(bin);
    try (EmbeddedEtcd etcd =
        EmbeddedEtcd.start(stateDir, bin + java.io.File.pathSeparator + PATH, 1_572_864)) {
      String endpoint = etcd.endpoint();
      assertThat(etcd.runs()).isEqualTo(1);
      List<String> told = new CopyOnWriteArrayList<>();
      etcd.whenRunningAgain(() -> told.add("run " + etcd.runs() + ", trouble " + etcd.trouble()));
      assertThat(post(endpoint, "/v3/kv/put", "{\"key\":\"a2VwdA==\",\"value\":\"eQ==\"}"))
          .isTrue();
      int clientPort = launches.awaitClientPort(0);
      children(stateDir).forEach(ProcessHandle::destroyForcibly);
      launches.awaitClientPort(1);
      try (ServerSocket taken = new ServerSocket()) {
        taken.setReuseAddress(true);
        taken.bind(new InetSocketAddress("127.0.0.1", clientPort));
        launches.release(1);
        // the restart found the port taken and waits for it (a third launch, or more, follows)
        launches.awaitClientPort(2);
        assertThat(etcd.trouble())
            .as("for health")
            .contains("client port " + clientPort + ", which the control plane's etcd client")
            .contains("is taken by another process")
            .contains("sport = :" + clientPort);
        assertThat(etcd.runs()).as("no launch ran since the first").isEqualTo(1);
        assertThat(told).isEmpty();
      }

      assertThat(etcd.endpoint()).isEqualTo(endpoint);
      await("etcd answers again on its client port, with its data")
          .atMost(Duration.ofSeconds(90))
          .ignoreExceptions()
          .until(() -> range(endpoint, "a2VwdA==").contains("\"value\":\"eQ==\""));
      await("health no longer says the port is taken")
          .atMost(Duration.ofSeconds(10))
          .until(() -> etcd.trouble() == null);
      await("the watches are told it runs again")
          .atMost(Duration.ofSeconds(10))
          .until(() -> !told.isEmpty());
      assertThat(told).containsExactly("run 2, trouble null");
    }
  }

  /**
   * The supervisor gave up after {@link EmbeddedEtcd#MAX_RESTARTS} restarts for the control plane's
   * whole life: a few crashes spread over weeks left etcd down for good. An etcd that ran {@link
   * EmbeddedEtcd#RESTARTS_FORGOTTEN_AFTER} before it exited starts the count again. The clock is
   * the test's: etcd "runs" ten minutes when the test says so.
   */
  @Test
  void restartsAnEtcdThatRanAWhileAfterAsManyRestartsAsItAllows(@TempDir Path stateDir)
      throws Exception {
    AtomicLong clock = new AtomicLong();
    try (EmbeddedEtcd etcd =
        EmbeddedEtcd.start(stateDir, PATH, 1_572_864, clock::get, EmbeddedEtcd.START_TIMEOUT)) {
      for (int exit = 1; exit <= EmbeddedEtcd.MAX_RESTARTS + 1; exit++) {
        if (exit == EmbeddedEtcd.MAX_RESTARTS + 1) {
          clock.addAndGet(EmbeddedEtcd.RESTARTS_FORGOTTEN_AFTER.toNanos());
        }
        List<ProcessHandle> running = children(stateDir);
        assertThat(running).hasSize(1);
        long exited = running.get(0).pid();
        running.get(0).destroyForcibly();
        // a new etcd process exists once the exit was seen (trouble set); no trouble once it
        // answers
        await("etcd runs again after exit " + exit)
            .atMost(Duration.ofSeconds(60))
            .until(
                () ->
                    children(stateDir).stream().anyMatch(child -> child.pid() != exited)
                        && etcd.trouble() == null);
        assertThat(health(etcd)).isEqualTo(200);
      }
    }
  }

  /**
   * A restart whose etcd exits at start (a full disk, a moment's trouble with its data) was given
   * up at once: "could not be restarted", and etcd stayed down for the control plane's life. It is
   * tried again after a wait, as a restart after an exit is, up to as many restarts as it allows.
   * Here an {@code etcd} first on the search path exits at once on its second launch (the first
   * restart) and runs the real one otherwise.
   */
  @Test
  void aRestartWhoseEtcdFailsAtStartIsTriedAgain(@TempDir Path stateDir, @TempDir Path bin)
      throws Exception {
    EtcdLaunchScript.real().fail(1, "cannot start now").writeTo(bin);
    try (EmbeddedEtcd etcd =
        EmbeddedEtcd.start(stateDir, bin + java.io.File.pathSeparator + PATH, 1_572_864)) {
      List<ProcessHandle> running = children(stateDir);
      assertThat(running).hasSize(1);
      running.get(0).destroyForcibly();
      await("etcd runs again after a restart that failed at start")
          .atMost(Duration.ofSeconds(60))
          .until(() -> Files.exists(bin.resolve("args.2")) && etcd.trouble() == null);
      assertThat(health(etcd)).isEqualTo(200);
    }
  }

  /** This JVM's child processes started with {@code stateDir}'s data. */
  private static List<ProcessHandle> children(Path stateDir) {
    return ProcessHandle.current()
        .children()
        .filter(
            child ->
                child
                    .info()
                    .arguments()
                    .map(args -> String.join(" ", args).contains(stateDir.toString()))
                    .orElse(false))
        .toList();
  }

  private static int health(EmbeddedEtcd etcd) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create(etcd.endpoint() + "/health"))
                .timeout(Duration.ofSeconds(5))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .statusCode();
  }
}
