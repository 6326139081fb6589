package io.sluice.testing.etcd;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A real, single-node {@code etcd} process on free loopback ports with a temporary data directory.
 *
 * <p>Exists so that every test that is about etcd talks to etcd itself, not to a mock. Tests
 * normally get one through {@link EtcdExtension}; a test may {@link #stop()} and {@link #start()}
 * the same server (same data directory, same ports) to simulate an outage, and {@link #compact()}
 * it to force watchers through the compaction path. {@link #withClientTls} adds a mutual-TLS
 * listener. A shutdown hook kills the process if the JVM exits without {@link #close()}.
 *
 * <p>The few administrative calls this class makes ({@link #compact()}, {@link #put}, {@link
 * #revision()}) go to etcd's JSON gateway over the JDK HTTP client, so the harness needs no etcd
 * client library of its own.
 */
public final class EtcdServer implements AutoCloseable {

  /** The line every test that needs etcd prints when the binary is missing. */
  static final String MISSING_BINARY =
      "etcd not found on PATH: install it (Debian/Ubuntu: sudo apt-get install etcd-server;"
          + " macOS: brew install etcd) or run ./test.sh, which installs it for you";

  private static final Duration START_TIMEOUT = Duration.ofSeconds(20);
  private static final int START_ATTEMPTS = 3;
  private static final Pattern REVISION = Pattern.compile("\"revision\"\\s*:\\s*\"?(\\d+)");

  private final String binary;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private Path dataDir;
  private int clientPort;
  private int peerPort;
  private volatile Process process;
  private Path log;
  private TestCertificates tls;
  private int tlsPort;
  private Thread shutdownHook;

  private EtcdServer(String binary) {
    this.binary = binary;
  }

  /**
   * Finds {@code etcd} on the {@code PATH} (or at the path in the system property {@code
   * sluice.test.etcd}) without starting it.
   *
   * @throws IllegalStateException with one line saying how to install etcd when it is missing
   */
  public static EtcdServer fromPath() {
    return find(System.getProperty("sluice.test.etcd"), System.getenv().getOrDefault("PATH", ""));
  }

  static EtcdServer find(String configured, String searchPath) {
    if (configured != null && !configured.isBlank()) {
      if (!Files.isExecutable(Path.of(configured))) {
        throw new IllegalStateException("sluice.test.etcd=" + configured + " is not executable");
      }
      return new EtcdServer(configured);
    }
    for (String dir : searchPath.split(java.io.File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, "etcd");
      if (Files.isExecutable(candidate)) {
        return new EtcdServer(candidate.toString());
      }
    }
    throw new IllegalStateException(MISSING_BINARY);
  }

  /**
   * Adds a second client listener with mutual TLS ({@link #tlsEndpoint()}): etcd presents {@code
   * certificates}' server certificate and accepts only clients with a certificate its CA signed.
   * The plain {@link #endpoint()} stays, for this class's own administrative calls. Call before the
   * first {@link #start()}.
   */
  public synchronized EtcdServer withClientTls(TestCertificates certificates) {
    if (dataDir != null) {
      throw new IllegalStateException("TLS is set up before the first start");
    }
    this.tls = certificates;
    return this;
  }

  /**
   * Starts the process and waits until it answers. The first call picks free ports and a fresh data
   * directory; later calls after {@link #stop()} reuse both, so the data survives.
   */
  public synchronized void start() {
    if (process != null && process.isAlive()) {
      return;
    }
    if (dataDir != null) {
      launch();
      return;
    }
    // A free port can be taken by another process between choosing it and etcd binding it
    // (several builds share this machine): on a fresh server, retry with new ports.
    for (int attempt = 1; ; attempt++) {
      try {
        dataDir = Files.createTempDirectory("sluice-etcd-");
        log = dataDir.resolveSibling(dataDir.getFileName() + ".log");
        clientPort = freePort();
        do {
          peerPort = freePort();
        } while (peerPort == clientPort);
        if (tls != null) {
          do {
            tlsPort = freePort();
          } while (tlsPort == clientPort || tlsPort == peerPort);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("could not prepare etcd's data directory or ports", e);
      }
      try {
        launch();
        return;
      } catch (IllegalStateException e) {
        close();
        if (attempt == START_ATTEMPTS || !e.getMessage().contains("address already in use")) {
          throw e;
        }
      }
    }
  }

  private void launch() {
    try {
      List<String> command = new ArrayList<>();
      command.add(binary);
      command.add("--name=sluice-test");
      command.add("--data-dir=" + dataDir.resolve("data"));
      if (tls == null) {
        command.add("--listen-client-urls=http://127.0.0.1:" + clientPort);
      } else {
        command.add("--listen-client-urls=http://127.0.0.1:" + clientPort + "," + tlsEndpoint());
        command.add("--cert-file=" + tls.serverCert());
        command.add("--key-file=" + tls.serverKey());
        command.add("--trusted-ca-file=" + tls.caCert());
        command.add("--client-cert-auth");
      }
      command.add("--advertise-client-urls=http://127.0.0.1:" + clientPort);
      command.add("--listen-peer-urls=http://127.0.0.1:" + peerPort);
      command.add("--initial-advertise-peer-urls=http://127.0.0.1:" + peerPort);
      command.add("--initial-cluster=sluice-test=http://127.0.0.1:" + peerPort);
      command.add("--log-level=warn");
      ProcessBuilder builder = new ProcessBuilder(command);
      builder.redirectErrorStream(true);
      builder.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      // etcd 3.4 on arm64 and some other platforms refuses to start without this.
      builder.environment().put("ETCD_UNSUPPORTED_ARCH", System.getProperty("os.arch"));
      process = builder.start();
      if (shutdownHook == null) {
        // an interrupted test JVM must not leave an etcd behind
        shutdownHook = new Thread(this::destroyProcess, "etcd-server-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
      }
      awaitReady();
    } catch (IOException e) {
      throw new UncheckedIOException("could not start etcd (" + binary + ")", e);
    }
  }

  /** Stops the process (SIGTERM, then SIGKILL after 5 s), keeping its data directory and ports. */
  public synchronized void stop() {
    if (process == null) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    process = null;
  }

  /**
   * Deletes the data of a stopped server, as restoring an empty backup would: the next {@link
   * #start()} (same ports) begins again at revision 1, behind what clients have seen.
   *
   * @throws IllegalStateException when the server is running or was never started
   */
  public synchronized void wipeData() {
    if (isRunning()) {
      throw new IllegalStateException("stop etcd before wiping its data");
    }
    if (dataDir == null) {
      throw new IllegalStateException("etcd was never started: there is no data to wipe");
    }
    deleteRecursively(dataDir.resolve("data"));
  }

  /** Stops the process and deletes its data directory. The server cannot be started again. */
  @Override
  public synchronized void close() {
    stop();
    if (shutdownHook != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running or about to: nothing to remove
      }
      shutdownHook = null;
    }
    if (dataDir != null) {
      deleteRecursively(dataDir);
      try {
        Files.deleteIfExists(log);
      } catch (IOException ignored) {
        // A leftover log in the temp dir is harmless.
      }
      dataDir = null;
    }
  }

  /** Whether the process is running. */
  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  /** The client URL, e.g. {@code http://127.0.0.1:43121}. */
  public String endpoint() {
    return "http://127.0.0.1:" + clientPort;
  }

  /**
   * The mutual-TLS client URL, e.g. {@code https://127.0.0.1:43122}, when set up with {@link
   * #withClientTls}.
   */
  public String tlsEndpoint() {
    if (tls == null) {
      throw new IllegalStateException("this server has no TLS listener: see withClientTls");
    }
    return "https://127.0.0.1:" + tlsPort;
  }

  /** The client port; stable across {@link #stop()} and {@link #start()}. */
  public int port() {
    return clientPort;
  }

  /** The store's current revision. */
  public long revision() {
    String body = post("/v3/kv/range", "{\"key\":\"" + base64("\0") + "\"}");
    Matcher m = REVISION.matcher(body);
    if (!m.find()) {
      throw new IllegalStateException("no revision in etcd answer: " + body);
    }
    return Long.parseLong(m.group(1));
  }

  /** Compacts the history up to the current revision and returns that revision. */
  public long compact() {
    long revision = revision();
    post("/v3/kv/compaction", "{\"revision\":\"" + revision + "\",\"physical\":true}");
    return revision;
  }

  /** Puts a raw value, bypassing every Sluice component: for tests that write by hand. */
  public long put(String key, String value) {
    String body =
        post("/v3/kv/put", "{\"key\":\"" + base64(key) + "\",\"value\":\"" + base64(value) + "\"}");
    Matcher m = REVISION.matcher(body);
    return m.find() ? Long.parseLong(m.group(1)) : -1;
  }

  /** Deletes a key, bypassing every Sluice component. */
  public void delete(String key) {
    post("/v3/kv/deleterange", "{\"key\":\"" + base64(key) + "\"}");
  }

  /** The tail of etcd's own log, for failure messages. */
  public String logTail() {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException | RuntimeException e) {
      return "(no etcd log: " + e.getMessage() + ")";
    }
  }

  private void awaitReady() {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    Exception last = null;
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "etcd exited with " + process.exitValue() + " at start:\n" + logTail());
      }
      try {
        HttpResponse<String> health =
            http.send(
                HttpRequest.newBuilder(URI.create(endpoint() + "/health"))
                    .timeout(Duration.ofSeconds(1))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (health.statusCode() == 200 && health.body().contains("true")) {
          return;
        }
      } catch (IOException e) {
        last = e;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for etcd", e);
      }
      pauseBeforeNextPoll();
    }
    stop();
    throw new IllegalStateException(
        "etcd did not answer within "
            + START_TIMEOUT.toSeconds()
            + " s"
            + (last == null ? "" : " (" + last + ")")
            + ":\n"
            + logTail());
  }

  /** A process that is starting is polled at a short interval; this is not a wait for a result. */
  private static void pauseBeforeNextPoll() {
    try {
      Thread.sleep(50);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for etcd", e);
    }
  }

  private String post(String path, String json) {
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create(endpoint() + path))
                  .timeout(Duration.ofSeconds(5))
                  .POST(HttpRequest.BodyPublishers.ofString(json))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IllegalStateException(
            "etcd " + path + " answered " + response.statusCode() + ": " + response.body());
      }
      return response.body();
    } catch (IOException e) {
      throw new UncheckedIOException("etcd " + path + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** For the shutdown hook: no locking, as a test thread may hold the lock while the JVM exits. */
  private void destroyProcess() {
    Process p = process;
    if (p != null) {
      p.destroyForcibly();
    }
  }

  private static String base64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress("127.0.0.1", 0));
      return socket.getLocalPort();
    }
  }

  private static void deleteRecursively(Path root) {
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // Best effort: the directory is in the temp dir.
    }
  }
}
