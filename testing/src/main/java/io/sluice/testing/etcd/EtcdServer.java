package io.sluice.testing.etcd;

import io.sluice.testing.net.HeldPort;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
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
 * the same server (same data directory, same ports) to simulate an outage, {@link #freeze()} it to
 * simulate an etcd that stops answering with its connections still open, and {@link #compact()} it
 * to force watchers through the compaction path. {@link #withClientTls} adds a mutual-TLS listener.
 *
 * <p>A test JVM can end without {@link #close()}: Ctrl-C during {@code mvn verify}, {@code
 * System.exit}, or killed outright ({@code kill -9}, the OOM killer). etcd runs under a small
 * {@code sh} that holds the read end of a pipe from this JVM as its standard input, so:
 *
 * <ul>
 *   <li>{@link #stop()} writes {@code stop} to the pipe and closes it: the script stops etcd
 *       (SIGTERM) and keeps its data;
 *   <li>an ending JVM runs a shutdown hook that stops etcd the same way, then deletes its data
 *       directory and log;
 *   <li>a JVM killed outright closes the pipe without a word (the kernel closes its descriptors):
 *       the script stops etcd and deletes the data directory and log itself.
 * </ul>
 *
 * <p>{@link #start()} checks that the etcd answering on the port is this server's (its member name
 * is unique to this server) and that the process is still alive, so a restart on a port that
 * another process took meanwhile fails, and says so, instead of testing against someone else's
 * etcd.
 *
 * <p>The few administrative calls this class makes ({@link #compact()}, {@link #put}, {@link
 * #revision()}) go to etcd's JSON gateway over the JDK HTTP client, so the harness needs no etcd
 * client library of its own. They are anonymous; once a test has {@linkplain #enableAuth() turned
 * authentication on}, {@link #asUser} makes them as a user.
 */
public final class EtcdServer implements AutoCloseable {

  /** The line every test that needs etcd prints when the binary is missing. */
  static final String MISSING_BINARY =
      "etcd not found on PATH: install it (Debian/Ubuntu: sudo apt-get install etcd-server;"
          + " macOS: brew install etcd) or run ./test.sh, which installs it for you";

  private static final Duration START_TIMEOUT = Duration.ofSeconds(20);
  private static final int START_ATTEMPTS = 3;

  /** What etcd answers a call without credentials once its authentication is on. */
  private static final String ANONYMOUS_REFUSED = "user name is empty";

  private static final Pattern MEMBER_NAME = Pattern.compile("\"name\"\\s*:\\s*\"([^\"]*)\"");
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);

  /** Where the supervisor writes etcd's pid, in the data directory ({@link #etcdProcess()}). */
  private static final String PID_FILE = "etcd.pid";

  /**
   * Runs etcd ({@code "$@"}) in the background and stops it when this JVM says {@code stop} on
   * standard input. When the pipe closes without {@code stop} while etcd still runs, the JVM is
   * gone: it stops etcd (SIGKILL after 10 s), then deletes the data directory ({@code $1}) and the
   * log ({@code $2}). When etcd exited on its own, the JVM closes the pipe once it sees the script
   * end: nothing is left to do. Exits with etcd's status, so the {@link Process} lives exactly as
   * long as etcd. Background jobs of a non-interactive shell read {@code /dev/null}: the pipe is
   * kept on descriptor 3 for the watcher. The script ignores SIGINT (Ctrl-C in a terminal reaches
   * the whole process group), but etcd installs its own handler and stops on it; the watcher and
   * this JVM's shutdown hook clean up after it either way.
   */
  private static final String SUPERVISOR =
      String.join(
          "\n",
          "dir=$1; log=$2; shift 2",
          "trap '' INT",
          "exec 3<&0",
          "\"$@\" </dev/null 3<&- &",
          "etcd=$!",
          "echo \"$etcd\" > \"$dir/etcd.pid.new\" && mv \"$dir/etcd.pid.new\" \"$dir/etcd.pid\"",
          "{",
          "  read -r order <&3",
          "  if [ \"$order\" = stop ]; then",
          "    kill \"$etcd\" 2>/dev/null",
          "  elif kill -0 \"$etcd\" 2>/dev/null; then",
          "    kill \"$etcd\" 2>/dev/null",
          "    waited=0",
          "    while kill -0 \"$etcd\" 2>/dev/null; do",
          "      waited=$((waited + 1))",
          "      if [ \"$waited\" -gt 10 ]; then kill -9 \"$etcd\" 2>/dev/null; fi",
          "      sleep 1",
          "    done",
          "    rm -rf \"$dir\" \"$log\"",
          "  fi",
          "} &",
          "exec 3<&-",
          "wait \"$etcd\"");

  private final String binary;
  private final EtcdKv anonymous = EtcdKv.anonymous(this);
  private Path dataDir;
  private String memberName;
  private int clientPort;
  private int peerPort;
  private volatile Process process;
  private Path log;
  private TestCertificates tls;
  private int tlsPort;
  private Duration tokenTtl;

  /** etcd's watch progress interval ({@link #withWatchProgressEvery}), or null for its default. */
  private Duration watchProgress;

  /**
   * What holds this server's ports, without listening: the sockets of {@link #holdPorts()} while it
   * is {@linkplain #stop() stopped}, the {@link HeldPort}s of {@link #holdFreePort()} while a fresh
   * server starts.
   */
  private final List<AutoCloseable> heldPorts = new ArrayList<>();

  private Thread shutdownHook;
  private volatile boolean frozen;

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
   * Has etcd hand out JSON web tokens that expire {@code ttl} after they were issued, used or not
   * (its {@code --auth-token=jwt}, with an RSA key pair made for this server), instead of its
   * default simple tokens, which live as long as they are used: how a client behaves whose token
   * expired under it. Matters only once {@linkplain #enableAuth() authentication is on}. Call
   * before the first {@link #start()}; {@code ttl} is rounded down to whole seconds (at least one).
   */
  public synchronized EtcdServer withExpiringTokens(Duration ttl) {
    if (dataDir != null) {
      throw new IllegalStateException("tokens are set up before the first start");
    }
    this.tokenTtl = ttl;
    return this;
  }

  /**
   * Has etcd tell every watch asking for it ({@code WatchOption.withProgressNotify}) the revision
   * it has caught up to every {@code interval} (its {@code
   * --experimental-watch-progress-notify-interval}; ten minutes by default): how a watch of a quiet
   * key learns that etcd moved on. Call before the first {@link #start()}.
   */
  public synchronized EtcdServer withWatchProgressEvery(Duration interval) {
    if (dataDir != null) {
      throw new IllegalStateException("watch progress is set up before the first start");
    }
    this.watchProgress = interval;
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
      try {
        launch();
      } catch (PortTakenException e) {
        throw new IllegalStateException(
            "etcd could not start again on its ports (client "
                + clientPort
                + ", peer "
                + peerPort
                + "): another process has taken one of them since it stopped. "
                + e.getMessage(),
            e);
      } finally {
        // only now: etcd listens beside them (it binds with SO_REUSEADDR too), and a port let go
        // before it listens could be handed out meanwhile
        releasePorts();
      }
      return;
    }
    // Each port is held from the moment it is chosen until etcd listens beside the holding socket
    // (as across a stop): a port chosen and let go at once could be handed, before etcd binds it,
    // to another process's held port, whose refused connections etcd would then answer. A port
    // can still be taken by a process binding it by number: on a fresh server, retry with new ones.
    for (int attempt = 1; ; attempt++) {
      try {
        dataDir = Files.createTempDirectory("sluice-etcd-");
        log = dataDir.resolveSibling(dataDir.getFileName() + ".log");
        // unique to this server: start() knows its own etcd from any other on the port
        memberName = dataDir.getFileName().toString();
        clientPort = holdFreePort();
        peerPort = holdFreePort();
        if (tls != null) {
          tlsPort = holdFreePort();
        }
      } catch (IOException e) {
        releasePorts();
        throw new UncheckedIOException("could not prepare etcd's data directory or ports", e);
      }
      try {
        launch();
        releasePorts();
        return;
      } catch (PortTakenException e) {
        close();
        if (attempt == START_ATTEMPTS) {
          throw e;
        }
      } catch (RuntimeException e) {
        close();
        throw e;
      }
    }
  }

  private void launch() {
    try {
      List<String> command = new ArrayList<>();
      command.add("/bin/sh");
      command.add("-c");
      command.add(SUPERVISOR);
      command.add("etcd-supervisor"); // $0
      command.add(dataDir.toString());
      command.add(log.toString());
      command.add(binary);
      command.add("--name=" + memberName);
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
      command.add("--initial-cluster=" + memberName + "=http://127.0.0.1:" + peerPort);
      if (tokenTtl != null) {
        command.add(jwtTokens());
      }
      if (watchProgress != null) {
        command.add(
            "--experimental-watch-progress-notify-interval=" + watchProgress.toMillis() + "ms");
      }
      command.add("--log-level=warn");
      ProcessBuilder builder = new ProcessBuilder(command);
      builder.redirectErrorStream(true);
      builder.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      // etcd 3.4 on arm64 and some other platforms refuses to start without this, naming the
      // architecture as Go does (arm64, not Java's aarch64).
      builder.environment().put("ETCD_UNSUPPORTED_ARCH", goArch(System.getProperty("os.arch")));
      // The previous start's pid file names an etcd that is gone: the supervisor writes this one's
      // after it forks etcd, and etcd can answer before that, so awaitReady() waits for the file.
      Files.deleteIfExists(dataDir.resolve(PID_FILE));
      // standard input stays a pipe from this JVM: the supervisor stops etcd when it closes
      process = builder.start();
      if (shutdownHook == null) {
        // a JVM that ends without close() must leave neither etcd nor its data behind
        Path dir = dataDir;
        Path logFile = log;
        shutdownHook = new Thread(() -> stopAndDelete(dir, logFile), "etcd-server-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
      }
      awaitReady();
    } catch (IOException e) {
      throw new UncheckedIOException("could not start etcd (" + binary + ")", e);
    }
  }

  /**
   * The {@code --auth-token} flag of {@link #withExpiringTokens}, writing the signing key pair into
   * the data directory on the first start (PKCS #8 and X.509 PEM, both of which etcd reads).
   */
  private String jwtTokens() throws IOException {
    Path privateKey = dataDir.resolve("jwt-private.pem");
    Path publicKey = dataDir.resolve("jwt-public.pem");
    if (!Files.exists(privateKey)) {
      KeyPair pair;
      try {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        pair = generator.generateKeyPair();
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("this JVM cannot make an RSA key pair", e);
      }
      Files.writeString(publicKey, pem("PUBLIC KEY", pair.getPublic().getEncoded()));
      Files.writeString(privateKey, pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
    }
    return "--auth-token=jwt,pub-key="
        + publicKey
        + ",priv-key="
        + privateKey
        + ",sign-method=RS256,ttl="
        + Math.max(1, tokenTtl.toSeconds())
        + "s";
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }

  /** Java's name of an architecture ({@code os.arch}) as Go names it ({@code GOARCH}). */
  static String goArch(String javaArch) {
    return "aarch64".equals(javaArch) ? "arm64" : javaArch;
  }

  /**
   * Stops the process (SIGTERM, then SIGKILL after 5 s), keeping its data directory and ports,
   * which it holds until the next {@link #start()}: no other process is given them meanwhile.
   */
  public synchronized void stop() {
    if (process == null) {
      return;
    }
    thaw();
    terminate(process);
    process = null;
    holdPorts();
  }

  /**
   * Binds a socket to each of this server's ports, without listening, until the next {@link
   * #start()}: connections to them are still refused, as with etcd down, and the system hands them
   * to no other socket that asks for a free port (bind to port 0), as they lie below the range it
   * hands out ({@link #holdFreePort()}: within it, a port held only so could be given to a socket
   * asking with address reuse). A build starts many processes on free ports meanwhile (etcd
   * servers, apps, control planes, in several JVMs at once), and one that got a port of a stopped
   * server made its restart fail. The sockets allow address reuse, so etcd can bind its ports
   * beside them, and a port whose connections etcd's stop left in TIME_WAIT can be held. A port
   * that cannot be held (taken already) is left to the restart, which says so.
   */
  private void holdPorts() {
    List<Integer> ports = new ArrayList<>(List.of(clientPort, peerPort));
    if (tls != null) {
      ports.add(tlsPort);
    }
    for (int port : ports) {
      Socket socket = new Socket();
      try {
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress("127.0.0.1", port));
        heldPorts.add(socket);
      } catch (IOException taken) {
        closeQuietly(socket);
      }
    }
  }

  /** Lets go of the ports {@link #holdPorts()} held. */
  private void releasePorts() {
    heldPorts.forEach(EtcdServer::closeQuietly);
    heldPorts.clear();
  }

  private static void closeQuietly(AutoCloseable held) {
    try {
      held.close();
    } catch (Exception ignored) {
      // an unconnected socket: nothing to flush
    }
  }

  /** The peer port; stable across {@link #stop()} and {@link #start()} (tests of this class). */
  int peerPort() {
    return peerPort;
  }

  /**
   * Stops etcd where it stands (SIGSTOP), as a host that hangs or a disk that stops answering
   * would: its connections stay open and the kernel still accepts what clients send, but no request
   * gets an answer, where {@link #stop()} closes the connections and clients fail at once. Returns
   * once every thread of etcd has stopped, not when the signal is sent. {@link #thaw()} lets it go
   * on; {@link #stop()} and {@link #close()} thaw it first, and {@link EtcdExtension} before each
   * test.
   *
   * @throws IllegalStateException when the server is not running, or when a thread of it still runs
   *     5 s after SIGSTOP or its threads cannot be listed (it is {@linkplain #isFrozen() frozen}
   *     all the same, to be thawed)
   */
  public synchronized void freeze() {
    long pid = signal("STOP");
    frozen = true;
    awaitStopped(pid);
  }

  /** Lets a {@linkplain #freeze() frozen} etcd go on (SIGCONT); does nothing when it is not. */
  public synchronized void thaw() {
    if (frozen) {
      signal("CONT");
      frozen = false;
    }
  }

  /**
   * Whether the server is {@linkplain #freeze() frozen}. Waits for a freeze or thaw under way: etcd
   * goes on as soon as it gets SIGCONT, so a thaw's answers can reach a client before the thaw
   * returns, and a test that saw them must not find the server still frozen.
   */
  public synchronized boolean isFrozen() {
    return frozen;
  }

  /**
   * Sends signal {@code name} to the etcd process itself (not to its supervisor), by the pid the
   * supervisor wrote. Looked for among the supervisor's children by its arguments, it could be
   * taken for the supervisor's background watcher, a forked shell with the very same command line.
   */
  private long signal(String name) {
    if (!isRunning()) {
      throw new IllegalStateException("etcd is not running: nothing to " + name);
    }
    ProcessHandle etcd = etcdProcess();
    try {
      Process kill =
          new ProcessBuilder("kill", "-" + name, Long.toString(etcd.pid()))
              .redirectErrorStream(true)
              .start();
      String output = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!kill.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS) || kill.exitValue() != 0) {
        throw new IllegalStateException("kill -" + name + " " + etcd.pid() + " failed: " + output);
      }
      return etcd.pid();
    } catch (IOException e) {
      throw new UncheckedIOException("could not send SIG" + name + " to etcd", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while sending SIG" + name + " to etcd", e);
    }
  }

  /**
   * Waits until every thread of etcd ({@code pid}) has stopped. kill(2) only queues SIGSTOP: the
   * etcd thread that takes it stops the others when the scheduler next runs it, so on a busy
   * machine etcd went on answering for a moment after kill returned (CI runs saw a frozen etcd
   * answer a read). Where {@code /proc} shows no threads (not Linux), returns at once.
   *
   * @throws IllegalStateException when some thread still runs after {@link #STOP_TIMEOUT}
   */
  private static void awaitStopped(long pid) {
    Path threads = Path.of("/proc", Long.toString(pid), "task");
    long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
    List<String> running = runningThreads(threads);
    while (!running.isEmpty()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "etcd (pid "
                + pid
                + ") did not stop within "
                + STOP_TIMEOUT.toSeconds()
                + " s of SIGSTOP: threads "
                + running
                + " still run");
      }
      pause(Duration.ofMillis(1));
      running = runningThreads(threads);
    }
  }

  /**
   * The threads of etcd that are not stopped (by {@link #freeze()}), by id: none when etcd is
   * frozen through and through.
   */
  List<String> runningThreads() {
    return runningThreads(Path.of("/proc", Long.toString(etcdProcess().pid()), "task"));
  }

  /**
   * The ids of the threads under {@code threads} ({@code /proc/<pid>/task}) whose state is not
   * stopped; a thread that ended meanwhile counts as stopped. None when the directory is missing
   * (not Linux, or the process ended).
   */
  private static List<String> runningThreads(Path threads) {
    if (!Files.isDirectory(threads)) {
      return List.of();
    }
    try (Stream<Path> all = Files.list(threads)) {
      return all.filter(thread -> !stopped(thread))
          .map(thread -> thread.getFileName().toString())
          .sorted()
          .toList();
    } catch (IOException | UncheckedIOException e) {
      if (!Files.isDirectory(threads)) {
        return List.of(); // etcd ended meanwhile: nothing of it runs
      }
      throw new IllegalStateException("could not list etcd's threads in " + threads, e);
    }
  }

  /**
   * Whether the thread is stopped (state {@code T}, or {@code t} under a debugger) or gone. Its
   * state is the field after its name in {@code stat}; the name is in parentheses and may hold
   * anything, parentheses too, so the last one ends it.
   */
  private static boolean stopped(Path thread) {
    String stat;
    try {
      stat = Files.readString(thread.resolve("stat"), StandardCharsets.ISO_8859_1);
    } catch (IOException gone) {
      return true;
    }
    int nameEnd = stat.lastIndexOf(')');
    char state = nameEnd >= 0 && nameEnd + 2 < stat.length() ? stat.charAt(nameEnd + 2) : '?';
    return state == 'T' || state == 't' || state == 'Z' || state == 'X';
  }

  /** The etcd process the supervisor started, by the pid it wrote to {@code etcd.pid}. */
  private ProcessHandle etcdProcess() {
    Path pidFile = dataDir.resolve(PID_FILE);
    String pid;
    try {
      pid = Files.readString(pidFile, StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      throw new UncheckedIOException("could not read etcd's pid from " + pidFile, e);
    }
    return ProcessHandle.of(Long.parseLong(pid))
        .filter(p -> p.parent().map(parent -> parent.pid() == process.pid()).orElse(false))
        .orElseThrow(
            () ->
                new IllegalStateException(
                    "etcd's process (pid " + pid + " in " + pidFile + ") is not running"));
  }

  /**
   * Tells the supervisor to stop etcd and waits for both to end, killing them after {@link
   * #STOP_TIMEOUT}. Returns once the process is gone, or after a second {@link #STOP_TIMEOUT}.
   */
  private static void terminate(Process process) {
    try (OutputStream order = process.getOutputStream()) {
      order.write("stop\n".getBytes(StandardCharsets.US_ASCII));
    } catch (IOException ended) {
      // the supervisor has ended, and with it etcd
    }
    try {
      if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        kill(process);
        process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      kill(process);
      Thread.currentThread().interrupt();
    }
  }

  /** SIGKILL to etcd and its supervisor; etcd first, as it is no longer a descendant after. */
  private static void kill(Process process) {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
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
    releasePorts();
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

  /**
   * The store's current revision. Anonymous, as are all of this server's calls on keys, users and
   * roles ({@link #put}, {@link #delete}, {@link #compact()}, {@link #addUser} ...): once
   * {@linkplain #enableAuth() authentication is on}, make them through {@link #asUser}. This one
   * still works anonymously then, as etcd 3.4 gives its status to anyone (see {@link
   * EtcdKv#revision()}).
   */
  public long revision() {
    return anonymous.revision();
  }

  /** Compacts the history up to the current revision and returns that revision. */
  public long compact() {
    return anonymous.compact();
  }

  /** Puts a raw value, bypassing every Sluice component: for tests that write by hand. */
  public long put(String key, String value) {
    return anonymous.put(key, value);
  }

  /** A key's value, read bypassing every Sluice component; empty when there is no such key. */
  public java.util.Optional<String> get(String key) {
    return anonymous.get(key);
  }

  /** Deletes a key, bypassing every Sluice component. */
  public void delete(String key) {
    anonymous.delete(key);
  }

  /**
   * This server's calls on keys, users and roles as etcd user {@code user}, who logs in with {@code
   * password}: what a test uses once it has {@linkplain #enableAuth() turned authentication on},
   * when etcd refuses anonymous calls. The view logs in at its first call, not here, and again when
   * etcd has forgotten its token (a restart): see {@link EtcdKv}.
   */
  public EtcdKv asUser(String user, String password) {
    return EtcdKv.as(this, user, password);
  }

  /**
   * Adds a user with {@code password} and {@code roles} (the role {@code root} is etcd's own), for
   * tests of etcd's authentication; before {@link #enableAuth()}, after it through {@link #asUser}
   * as {@code root}.
   */
  public void addUser(String name, String password, String... roles) {
    anonymous.addUser(name, password, roles);
  }

  /** Adds a role that may read and write every key under each of {@code prefixes}. */
  public void addPrefixRole(String role, String... prefixes) {
    anonymous.addPrefixRole(role, prefixes);
  }

  /**
   * Adds a role that may only read (get and watch) the keys under each of {@code prefixes}: what an
   * agent needs of the rule documents, which only the control plane writes.
   */
  public void addReadOnlyPrefixRole(String role, String... prefixes) {
    anonymous.addReadOnlyPrefixRole(role, prefixes);
  }

  /**
   * Adds a role that may only read (get and watch) each of {@code keys}, exactly: the two rule
   * documents an agent reads, its service's and {@code _default}, and no other service's.
   */
  public void addReadOnlyKeyRole(String role, String... keys) {
    anonymous.addReadOnlyKeyRole(role, keys);
  }

  /**
   * Turns etcd's authentication on (a user {@code root} with the role {@code root} must exist, see
   * {@link #addUser}): from then on every request needs a user's credentials, this class's own
   * {@link #put}, {@link #delete}, {@link #compact()}, {@link #addUser} and the like too. A test
   * goes on through {@link #asUser}, for instance {@code asUser("root", rootPassword)}.
   */
  public void enableAuth() {
    post("/v3/auth/enable", "{}");
  }

  /**
   * Turns authentication on as an agent's etcd is secured in the tests: a user {@code root}
   * (password {@code root-secret}, for {@link #asUser}) and {@code user}, with {@code password},
   * allowed every key under {@code /sluice/} (the role {@code sluice-agent}).
   */
  public void enableAuthWithAgent(String user, String password) {
    addUser("root", "root-secret", "root");
    addPrefixRole("sluice-agent", "/sluice/");
    addUser(user, password, "sluice-agent");
    enableAuth();
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

  /**
   * Waits until the port answers healthy, as this server's member, while the process we started
   * still runs: another etcd on the port (one that took it while this one was stopped) answers
   * healthy too. Also waits for the supervisor to write etcd's pid ({@link #PID_FILE}), which it
   * does after forking etcd: {@link #freeze()} signals that pid right after a start.
   */
  private void awaitReady() {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    Exception last = null;
    String stranger = null;
    boolean answeredWithoutPid = false;
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        String tail = logTail();
        String message = "etcd exited with " + process.exitValue() + " at start:\n" + tail;
        if (tail.contains("address already in use")) {
          throw new PortTakenException(message);
        }
        throw new IllegalStateException(message);
      }
      try {
        EtcdGatewayHttp.Answer health = send("/health", null, Duration.ofSeconds(1));
        if (health.status() == 200 && health.body().contains("true")) {
          List<String> members =
              memberNames(send("/v3/cluster/member/list", "{}", Duration.ofSeconds(1)).body());
          if (!members.contains(memberName)) {
            stranger = String.join(", ", members);
          } else if (!Files.exists(dataDir.resolve(PID_FILE))) {
            answeredWithoutPid = true;
          } else if (process.isAlive()) {
            return;
          }
        }
      } catch (IOException e) {
        last = e;
      }
      pauseBeforeNextPoll();
    }
    stop();
    if (stranger != null) {
      throw new PortTakenException(
          "port "
              + clientPort
              + " is answered by etcd member(s) ["
              + stranger
              + "], not by this server's "
              + memberName
              + ", for "
              + START_TIMEOUT.toSeconds()
              + " s:\n"
              + logTail());
    }
    if (answeredWithoutPid) {
      throw new IllegalStateException(
          "etcd answered, but its supervisor wrote no "
              + dataDir.resolve(PID_FILE)
              + " within "
              + START_TIMEOUT.toSeconds()
              + " s:\n"
              + logTail());
    }
    throw new IllegalStateException(
        "etcd did not answer within "
            + START_TIMEOUT.toSeconds()
            + " s"
            + (last == null ? "" : " (" + last + ")")
            + ":\n"
            + logTail());
  }

  private static List<String> memberNames(String memberList) {
    List<String> names = new ArrayList<>();
    Matcher m = MEMBER_NAME.matcher(memberList);
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }

  /** Another process holds a port this server needs. */
  private static final class PortTakenException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    PortTakenException(String message) {
      super(message);
    }
  }

  /** A process that is starting is polled at a short interval; this is not a wait for a result. */
  private static void pauseBeforeNextPoll() {
    pause(Duration.ofMillis(50));
  }

  /** Waits {@code time} before a poll looks again. */
  private static void pause(Duration time) {
    try {
      Thread.sleep(time.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for etcd", e);
    }
  }

  /** A GET when {@code json} is {@code null}, else a POST of it. */
  private EtcdGatewayHttp.Answer send(String path, String json, Duration timeout)
      throws IOException {
    return send(path, json, null, timeout);
  }

  /** As {@link #send(String, String, Duration)}, with etcd's auth {@code token} unless null. */
  private EtcdGatewayHttp.Answer send(String path, String json, String token, Duration timeout)
      throws IOException {
    URI uri = URI.create(endpoint() + path);
    return json == null
        ? EtcdGatewayHttp.get(uri, timeout)
        : EtcdGatewayHttp.post(uri, json, token, timeout);
  }

  private String post(String path, String json) {
    return answer(path, exchange(path, json, null));
  }

  /** POSTs {@code json} to {@code path} with etcd's auth {@code token} unless null. */
  EtcdGatewayHttp.Answer exchange(String path, String json, String token) {
    try {
      return send(path, json, token, Duration.ofSeconds(5));
    } catch (IOException e) {
      throw new UncheckedIOException("etcd " + path + " failed", e);
    }
  }

  /** The body of {@code response} to a call to {@code path}; throws unless it is a 200. */
  String answer(String path, EtcdGatewayHttp.Answer response) {
    if (response.status() != 200) {
      throw new IllegalStateException(
          "etcd "
              + path
              + " answered "
              + response.status()
              + ": "
              + response.body()
              + (response.body().contains(ANONYMOUS_REFUSED)
                  ? " (etcd's authentication is on: make the call as a user, see asUser)"
                  : ""));
    }
    return response.body();
  }

  /**
   * For the shutdown hook: stops etcd, and once it is gone deletes its data directory and log. No
   * locking, as a test thread may hold the lock while the JVM exits.
   */
  private void stopAndDelete(Path dir, Path logFile) {
    Process p = process;
    if (p != null) {
      if (frozen) {
        kill(p); // a stopped process only acts on SIGTERM once continued: no need to wait for it
      }
      terminate(p);
    }
    deleteRecursively(dir);
    try {
      Files.deleteIfExists(logFile);
    } catch (IOException ignored) {
      // best effort, as in close()
    }
  }

  /**
   * A port no other socket holds, held until {@link #releasePorts()} by a {@link HeldPort}, below
   * the range the system hands to sockets asking for a free port: until etcd listens on it no other
   * process's server can be given it, and the ports chosen for one server differ too.
   */
  private int holdFreePort() throws IOException {
    try {
      HeldPort held = HeldPort.any();
      heldPorts.add(held);
      return held.port();
    } catch (UncheckedIOException e) {
      throw e.getCause();
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
