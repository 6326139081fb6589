package io.sluice.controlplane.etcd;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A single-node etcd the control plane starts for first use, when no {@code sluice.etcd.endpoints}
 * are configured: loopback only, free ports, data under {@code <sluice.state.dir>/etcd}, so rules
 * survive a restart of the control plane.
 *
 * <p>Its ports are free ones the system gives, which another process may be given too before etcd
 * binds them (a busy machine starts many): a first start that finds one taken starts again on new
 * ports (a few times). The etcd that answers on the client port is trusted only if it names itself
 * by the member name given to this launch (new at each): another etcd that took the port would
 * otherwise answer healthy and be given the rules. The process is supervised: if it dies while the
 * control plane runs it is started again on the same client port, which the control plane's client
 * was given, and data; on a new peer port if its own was taken meanwhile (a single member talks to
 * no peer; its member record is updated to advertise the new one, as after every start on earlier
 * data, since etcd reads {@code --initial-advertise-peer-urls} only when it creates its data). If
 * another process took the client port meanwhile, the restart is tried again, at waits doubling
 * from 1 s to 15 s, for as long as the control plane runs, with one warning naming the port and who
 * answers on it (another etcd by its members), and health DOWN saying so ({@link #trouble()}): the
 * client cannot be given another port (jetcd's endpoints are fixed when it is built), so etcd can
 * only come back there. From its exit until it runs again, {@link EtcdGateway} sends no call (the
 * API answers 503): another etcd on the port would answer as if it were this one. A restart whose
 * etcd fails at start is tried again at the same waits, each failure one restart (it was given up
 * at the first). After a few restarts in a row, each exiting or failing again within {@link
 * #RESTARTS_FORGOTTEN_AFTER}, the control plane gives up and reports etcd DOWN in its health,
 * saying why (an etcd that ran that long starts the count again: a few crashes over weeks are no
 * reason to give up). {@link #close()} stops it; a start that fails, is interrupted or is cut short
 * by the JVM's exit stops it too. Once started, its owner closes it (the control plane: after its
 * graceful shutdown, so that requests still running can finish their writes). No etcd outlives the
 * control plane that started it, unless that one is killed with {@code SIGKILL}. One control plane
 * at a time keeps its data in a directory: a second one started with the same {@code
 * sluice.state.dir} is refused at once (etcd itself would wait for its database's lock and never
 * answer). Each launch that runs is counted ({@link #runs()}), and a restart that runs tells its
 * listeners ({@link #whenRunningAgain}): the control plane's watches drop what came from an earlier
 * run and read etcd again at once. Not meant for production: point production control planes at a
 * real cluster.
 */
public final class EmbeddedEtcd implements AutoCloseable, EmbeddedEtcdRuns {

  private static final Logger LOG = Logger.getLogger(EmbeddedEtcd.class.getName());

  /** How long a launch may take to answer as its own member before it counts as failed. */
  static final Duration START_TIMEOUT = Duration.ofSeconds(30);

  static final int MAX_RESTARTS = 5;

  /**
   * How long etcd must have run for its exit to count as a first one again: {@link #MAX_RESTARTS}
   * is meant for an etcd that keeps dying, not for a few crashes spread over the weeks a control
   * plane runs, which would otherwise give up for good.
   */
  static final Duration RESTARTS_FORGOTTEN_AFTER = Duration.ofMinutes(10);

  private static final Pattern MEMBER_NAME = Pattern.compile("\"name\"\\s*:\\s*\"([^\"]*)\"");
  private static final Pattern MEMBER_ID = Pattern.compile("\"member_id\"\\s*:\\s*\"(\\d+)\"");
  private static final SecureRandom RANDOM = new SecureRandom();

  /** Launches of one start or restart when a port is found taken: its first and new ports. */
  private static final int PORT_ATTEMPTS = 3;

  /**
   * The first wait before a restart tries again: a client port another process had taken, or a
   * start that failed.
   */
  private static final Duration RETRY_FIRST_WAIT = Duration.ofSeconds(1);

  /** The longest wait between a restart's tries (the waits double up to it). */
  private static final Duration RETRY_MAX_WAIT = Duration.ofSeconds(15);

  /** How {@link #trouble()} begins while another process holds the client port. */
  private static final String CLIENT_PORT_TAKEN = "the embedded etcd's client port ";

  /** etcd's {@code --auto-compaction-mode}: compact by age. */
  static final String AUTO_COMPACTION_MODE = "periodic";

  /** etcd's {@code --auto-compaction-retention}: the history kept. */
  static final String AUTO_COMPACTION_RETENTION = "1h";

  private final String binary;
  private final Path dataDir;
  private volatile int clientPort;
  private volatile int peerPort;

  /**
   * etcd's {@code --name} for the current launch, new at each: the etcd answering on the client
   * port is this launch's only if its member list names it ({@link #awaitReady}).
   */
  private volatile String memberName;

  private final long maxRequestBytes;
  private final DataDirectoryLock lock;

  /** Stops etcd at the JVM's exit while it starts (package-private: tests see it is gone after). */
  final Thread stopAtExit = new Thread(this::close, "sluice-embedded-etcd-stop");

  /**
   * Why the supervisor has no etcd running while the control plane runs, for health and the
   * gateway; {@code null} while it runs. Set as soon as etcd exits, cleared once a restart answers
   * as its own member.
   */
  private volatile String trouble;

  /**
   * Launches that ran ({@link #runs()}): written under this object's lock, before {@link #trouble}
   * is cleared.
   */
  private volatile long runs;

  /** Told each time a restart runs ({@link #whenRunningAgain}). */
  private final List<Runnable> runningAgain = new CopyOnWriteArrayList<>();

  /** The clock {@link #RESTARTS_FORGOTTEN_AFTER} is measured on ({@link System#nanoTime}). */
  private final LongSupplier nanoTime;

  /** How long each launch may take to answer ({@link #START_TIMEOUT}). */
  private final Duration startTimeout;

  private Process process;

  /** Restarts since etcd last ran for {@link #RESTARTS_FORGOTTEN_AFTER}. */
  private int restarts;

  /** When the running etcd answered as its own member ({@link #nanoTime}). */
  private long runningSinceNanos;

  private boolean closed;

  private EmbeddedEtcd(
      String binary,
      Path dataDir,
      DataDirectoryLock lock,
      int clientPort,
      int peerPort,
      long maxRequestBytes,
      LongSupplier nanoTime,
      Duration startTimeout) {
    this.binary = binary;
    this.nanoTime = nanoTime;
    this.startTimeout = startTimeout;
    this.dataDir = dataDir;
    this.lock = lock;
    this.clientPort = clientPort;
    this.peerPort = peerPort;
    this.maxRequestBytes = maxRequestBytes;
  }

  /**
   * Finds {@code etcd} on the search path, starts it with its data under {@code stateDir/etcd} and
   * waits until it answers.
   *
   * @param maxRequestBytes etcd's {@code --max-request-bytes}, the limit the control plane measures
   *     its writes against
   * @throws EtcdNotInstalledException when there is no {@code etcd} on the search path
   * @throws IllegalStateException when another control plane keeps its etcd's data there, or etcd
   *     does not start; an etcd started is stopped again
   */
  public static EmbeddedEtcd start(Path stateDir, String searchPath, long maxRequestBytes) {
    return start(stateDir, searchPath, maxRequestBytes, System::nanoTime, START_TIMEOUT);
  }

  /**
   * As {@link #start(Path, String, long)}, measuring how long etcd ran ({@link
   * #RESTARTS_FORGOTTEN_AFTER}) on {@code nanoTime} and giving each launch {@code startTimeout}
   * instead of {@link #START_TIMEOUT} to answer: tests drive both.
   */
  static EmbeddedEtcd start(
      Path stateDir,
      String searchPath,
      long maxRequestBytes,
      LongSupplier nanoTime,
      Duration startTimeout) {
    String binary = find(searchPath);
    EmbeddedEtcd etcd;
    Path dataDir = stateDir.resolve("etcd");
    try {
      Files.createDirectories(dataDir);
      int clientPort = LoopbackPorts.freePort();
      int peerPort = LoopbackPorts.freePortBut(clientPort);
      // taken last: nothing after it can fail before the instance exists to give it up
      etcd =
          new EmbeddedEtcd(
              binary,
              dataDir,
              DataDirectoryLock.take(dataDir, FileChannel::tryLock),
              clientPort,
              peerPort,
              maxRequestBytes,
              nanoTime,
              startTimeout);
    } catch (IOException e) {
      throw new UncheckedIOException("could not start the embedded etcd", e);
    }
    // a JVM exit while it starts stops it; once started, its owner closes it (Spring, after the
    // graceful shutdown of the requests that may still write to it)
    Runtime.getRuntime().addShutdownHook(etcd.stopAtExit);
    try {
      for (int attempt = 1; ; attempt++) {
        try {
          etcd.launch();
          break;
        } catch (PortTakenException e) {
          if (attempt == PORT_ATTEMPTS) {
            throw e;
          }
          // no client has the endpoint yet: both ports may change
          LOG.info(e.getMessage() + "; starting it again on new ports");
          etcd.clientPort = LoopbackPorts.freePort();
          etcd.peerPort = LoopbackPorts.freePortBut(etcd.clientPort);
        }
      }
      etcd.forgetExitHook();
      LOG.info(
          "No sluice.etcd.endpoints configured: started a local etcd ("
              + binary
              + ") at "
              + etcd.endpoint()
              + " with its data in "
              + dataDir
              + underTemporaryDirectory(dataDir)
              + ". For production, point the control plane at a cluster with"
              + " --sluice.etcd.endpoints=...");
      return etcd;
    } catch (IOException | RuntimeException e) {
      etcd.close();
      throw e instanceof IOException io
          ? new UncheckedIOException("could not start the embedded etcd", io)
          : (RuntimeException) e;
    }
  }

  private void forgetExitHook() {
    try {
      Runtime.getRuntime().removeShutdownHook(stopAtExit);
    } catch (IllegalStateException exiting) {
      // the JVM is exiting: the hook runs, as it should for an etcd nobody will close now
    }
  }

  /** A warning when {@code dataDir} is under the temporary directory, which may be cleaned. */
  static String underTemporaryDirectory(Path dataDir) {
    Path tmp = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath().normalize();
    return dataDir.toAbsolutePath().normalize().startsWith(tmp)
        ? " (under the temporary directory "
            + tmp
            + ", which the system may clean: set sluice.state.dir to a directory outside it to keep"
            + " the rules across restarts)"
        : "";
  }

  static String find(String searchPath) {
    for (String dir : searchPath.split(java.io.File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "etcd"))) {
        return Path.of(dir, "etcd").toString();
      }
    }
    throw new EtcdNotInstalledException();
  }

  /** The client URL. */
  public String endpoint() {
    return "http://127.0.0.1:" + clientPort;
  }

  /**
   * The command line. etcd keeps every revision until it is compacted, and compacts nothing by
   * default: agents rewrite their status keys (each write a revision), so without compaction the
   * database grows until it hits its quota and etcd refuses every write (rule changes, lease
   * grants). It keeps an hour of history here. Nothing in Sluice reads old revisions beyond that:
   * history lives in keys of its own, and the watches of agents and control plane read again when
   * they meet a compaction.
   */
  List<String> command() {
    return List.of(
        binary,
        "--name=" + memberName,
        "--data-dir=" + dataDir.resolve("data"),
        "--listen-client-urls=" + endpoint(),
        "--advertise-client-urls=" + endpoint(),
        "--listen-peer-urls=http://127.0.0.1:" + peerPort,
        "--initial-advertise-peer-urls=http://127.0.0.1:" + peerPort,
        "--initial-cluster=" + memberName + "=http://127.0.0.1:" + peerPort,
        "--max-request-bytes=" + maxRequestBytes,
        "--auto-compaction-mode=" + AUTO_COMPACTION_MODE,
        "--auto-compaction-retention=" + AUTO_COMPACTION_RETENTION,
        "--log-level=warn");
  }

  /**
   * Starts etcd and waits until it answers, without holding this object's lock meanwhile: a {@link
   * #close()} during the wait stops the process at once (the wait then fails).
   */
  private void launch() throws IOException {
    memberName = newMemberName();
    Path log = dataDir.resolve("etcd.log");
    // what this launch writes, for the reason it exits at start
    long logStart = Files.exists(log) ? Files.size(log) : 0;
    ProcessBuilder builder = new ProcessBuilder(command()).redirectErrorStream(true);
    builder.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    // etcd 3.4 starts on arm64 only when told so, in Go's name of it (arm64, Java says aarch64)
    String arch = System.getProperty("os.arch");
    builder.environment().put("ETCD_UNSUPPORTED_ARCH", "aarch64".equals(arch) ? "arm64" : arch);
    Process started;
    synchronized (this) {
      if (closed) {
        throw new IllegalStateException("the embedded etcd was stopped before it started");
      }
      started = builder.start();
      process = started;
    }
    awaitReady(started, logStart);
    synchronized (this) {
      runningSinceNanos = nanoTime.getAsLong();
      // before the trouble is cleared: a watch never sees this etcd running in the run before
      runs++;
    }
    advertisePeerPort();
    if (trouble != null) {
      // a restart, told before its exit can be seen: an etcd that exits again at once begins its
      // own trouble, which this must not then clear
      trouble = null;
      LOG.info("the embedded etcd runs again at " + endpoint() + " (same data)");
      tellRunningAgain();
    }
    // on a thread of its own: an etcd that had already exited would otherwise be restarted on the
    // caller's thread (the control plane's start, or the restart before), which a restart waiting
    // for its client port would hold for as long as another process keeps it
    started.onExit().thenRunAsync(() -> onExit(started), EmbeddedEtcd::restartThread);
  }

  private static void restartThread(Runnable restart) {
    Thread thread = new Thread(restart, "sluice-embedded-etcd-restart");
    thread.setDaemon(true);
    thread.start();
  }

  private void onExit(Process exited) {
    synchronized (this) {
      if (closed || exited != process) {
        return;
      }
      if (nanoTime.getAsLong() - runningSinceNanos >= RESTARTS_FORGOTTEN_AFTER.toNanos()) {
        restarts = 0; // it ran long enough: this exit is no sign of an etcd that keeps dying
      }
      if (restarts >= MAX_RESTARTS) {
        trouble =
            "the embedded etcd exited with "
                + exited.exitValue()
                + " and was restarted "
                + MAX_RESTARTS
                + " times, each time exiting again within "
                + RESTARTS_FORGOTTEN_AFTER.toMinutes()
                + " min; giving up (see "
                + dataDir.resolve("etcd.log")
                + ")";
        LOG.severe(trouble);
        return;
      }
      restarts++;
      // from now until it answers as this launch's member: another process may take the client
      // port as soon as etcd let it go, and calls through it would reach that one
      trouble =
          "the embedded etcd exited with "
              + exited.exitValue()
              + " and is being started again on its client port "
              + clientPort;
    }
    LOG.warning(
        "the embedded etcd exited with " + exited.exitValue() + "; starting it again (same data)");
    Duration backoff = RETRY_FIRST_WAIT;
    while (true) {
      try {
        relaunch();
        return;
      } catch (IOException | RuntimeException e) {
        synchronized (this) {
          if (closed) {
            return; // stopped while it restarted
          }
          if (restarts >= MAX_RESTARTS || Thread.currentThread().isInterrupted()) {
            trouble =
                "the embedded etcd could not be restarted: "
                    + e.getMessage()
                    + " (see "
                    + dataDir.resolve("etcd.log")
                    + ")";
            LOG.log(Level.SEVERE, "could not restart the embedded etcd; giving up", e);
            return;
          }
          // a failed start is one more restart: an etcd that cannot start is given up as one
          // that keeps exiting (it was given up at the first failure)
          restarts++;
        }
        trouble =
            "the embedded etcd could not be restarted yet ("
                + e.getMessage()
                + "); trying again in "
                + backoff.toSeconds()
                + " s (see "
                + dataDir.resolve("etcd.log")
                + ")";
        LOG.warning(trouble);
        try {
          pause(backoff);
        } catch (IllegalStateException interrupted) {
          continue; // the interrupt is kept: the next failure gives up, saying why
        }
        backoff = doubled(backoff);
      }
    }
  }

  /**
   * Starts etcd again on its ports, on a new peer port when its own was taken meanwhile, and waits
   * for as long as another process holds its client port.
   */
  private void relaunch() throws IOException {
    Duration wait = RETRY_FIRST_WAIT;
    for (int peerAttempt = 1; ; ) {
      try {
        launch();
        return;
      } catch (PortTakenException e) {
        if (e.port() == clientPort) {
          // the client port is the control plane client's endpoint: the only port etcd may take
          wait = awaitClientPort(wait);
        } else if (peerAttempt++ < PORT_ATTEMPTS) {
          // a single member talks to no peer: any free port serves
          peerPort = LoopbackPorts.freePortBut(clientPort);
          LOG.warning(e.getMessage() + "; starting it again on peer port " + peerPort);
        } else {
          throw e;
        }
      }
    }
  }

  /**
   * Says that another process holds the client port and waits {@code wait} before the next try (cut
   * short by {@link #close()}), for as long as the control plane runs: its client was given this
   * port and cannot be given another, so etcd can only come back there, once the other process lets
   * it go. Says it once as a warning and on health until then.
   *
   * @return the wait before the try after the next one
   */
  private Duration awaitClientPort(Duration wait) {
    String holder = clientPortHolder();
    boolean first = trouble == null || !trouble.startsWith(CLIENT_PORT_TAKEN);
    trouble =
        CLIENT_PORT_TAKEN
            + clientPort
            + ", which the control plane's etcd client was given, is taken by "
            + holder
            + ": etcd is down until it is free (trying again every "
            + RETRY_MAX_WAIT.toSeconds()
            + " s at most); stop that process, or restart the control plane to start etcd on new"
            + " ports";
    if (first) {
      LOG.warning(trouble);
    } else {
      LOG.fine(trouble);
    }
    pause(wait);
    return doubled(wait);
  }

  /** Waits {@code pause} before a restart's next try, cut short by {@link #close()}. */
  private void pause(Duration pause) {
    long until = System.nanoTime() + pause.toNanos();
    synchronized (this) {
      try {
        for (long left = pause.toMillis(); !closed && left > 0; ) {
          wait(left); // close() wakes it
          left = TimeUnit.NANOSECONDS.toMillis(until - System.nanoTime());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting to restart etcd", e);
      }
    }
  }

  /** The wait after {@code wait}: twice as long, up to {@link #RETRY_MAX_WAIT}. */
  private static Duration doubled(Duration wait) {
    Duration doubled = wait.multipliedBy(2);
    return doubled.compareTo(RETRY_MAX_WAIT) > 0 ? RETRY_MAX_WAIT : doubled;
  }

  /**
   * Who answers on the client port, as far as it can be told: another etcd names its members (the
   * control plane's client then talks to that etcd), anything else is another process.
   */
  private String clientPortHolder() {
    String anyOther = anotherProcess();
    try {
      List<String> members = memberNames();
      return members.isEmpty()
          ? anyOther
          : anotherEtcd(members)
              + ", whose rules are not this control plane's: the control plane sends it"
              + " nothing, and its API answers 503";
    } catch (IOException notEtcd) {
      return anyOther;
    }
  }

  /** Another etcd on the client port, by the names of its members. */
  private static String anotherEtcd(List<String> members) {
    return "another etcd (member(s) " + members + ")";
  }

  /**
   * Something on the client port that names no etcd member (no member list, or not one etcd
   * answers): another process, with the command that finds it.
   */
  private String anotherProcess() {
    return "another process (find it with: ss -ltnp 'sport = :" + clientPort + "')";
  }

  /**
   * Why no etcd of this control plane's runs while it runs (restarting after it exited, its client
   * port taken by another process, restarts given up), for health and for {@link EtcdGateway},
   * which sends nothing meanwhile; {@code null} while it runs.
   */
  @Override
  public String trouble() {
    return trouble;
  }

  /**
   * How many launches have run, the first included: up by one at each restart that answers as its
   * own member, before {@link #trouble()} is cleared.
   */
  @Override
  public long runs() {
    return runs;
  }

  /**
   * Has {@code listener} run, on the restart's thread, each time a restart runs, once {@link
   * #trouble()} is cleared: the control plane's watches then read etcd at once rather than when
   * their pause after the failed reads of the outage is up.
   */
  @Override
  public void whenRunningAgain(Runnable listener) {
    runningAgain.add(listener);
  }

  /** Tells every listener that etcd runs again; one that fails is logged and stops no other. */
  private void tellRunningAgain() {
    for (Runnable listener : runningAgain) {
      try {
        listener.run();
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "a listener of the embedded etcd's restart failed", e);
      }
    }
  }

  /**
   * Waits until the client port answers healthy as this launch's member while the process started
   * still runs. Another etcd that took the port (another control plane's, a developer's) answers
   * healthy too: trusting it, the control plane would keep its rules in a stranger's etcd. Its own
   * etcd then exits, unable to listen, which says the port is taken. A timeout blames another etcd
   * only if it still answered at the last look: one that went away meanwhile is forgotten, so that
   * a later timeout for another reason does not send the operator after it.
   */
  private void awaitReady(Process started, long logStart) {
    long deadline = System.nanoTime() + startTimeout.toNanos();
    // the other etcd answering at the last look, null when none did
    List<String> stranger = null;
    while (System.nanoTime() < deadline) {
      if (!started.isAlive()) {
        PortTakenException taken =
            LoopbackPorts.taken(dataDir.resolve("etcd.log"), logStart, clientPort, peerPort);
        if (taken != null) {
          throw taken;
        }
        throw new IllegalStateException(
            "the embedded etcd exited with "
                + started.exitValue()
                + " at start; see "
                + dataDir.resolve("etcd.log"));
      }
      try {
        GatewayCall health =
            GatewayCall.of(URI.create(endpoint() + "/health"), null, Duration.ofSeconds(1));
        stranger = null;
        if (health.status() == 200 && health.body().contains("true")) {
          List<String> members = memberNames();
          if (members.contains(memberName)) {
            return;
          }
          stranger = members;
        }
      } catch (IOException e) {
        stranger = null; // not listening yet, or no longer
      }
      try {
        // Polling a starting process, not waiting for a result.
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while starting etcd", e);
      }
    }
    started.destroyForcibly();
    if (stranger != null) {
      // no member names: what answers /health there did not answer etcd's member list as one
      String holder =
          stranger.isEmpty()
              ? anotherProcess() + ", which answers /health but is no etcd that names its members"
              : anotherEtcd(stranger) + ", not this control plane's " + memberName;
      throw new IllegalStateException(
          "the embedded etcd's client port "
              + clientPort
              + " is answered by "
              + holder
              + ", for "
              + startTimeout.toSeconds()
              + (stranger.isEmpty() ? " s; see " : " s: another process has taken it; see ")
              + dataDir.resolve("etcd.log"));
    }
    throw new IllegalStateException(
        "the embedded etcd did not answer within " + startTimeout.toSeconds() + " s");
  }

  /**
   * Makes the member record advertise this launch's peer port. etcd takes {@code
   * --initial-advertise-peer-urls} only when it creates its data: started again on the data of an
   * earlier launch (each start of the control plane, a restart on a new peer port) it kept that
   * launch's peer URL, a port it no longer listens on and another process may have. A single member
   * dials no peer, so that was harmless, but misleading to anyone who lists the members; the record
   * is updated instead (one raft entry). Failing, it stays as it was: logged, nothing else.
   */
  private void advertisePeerPort() {
    String peerUrl = "http://127.0.0.1:" + peerPort;
    try {
      GatewayCall list = post("/v3/cluster/member/list", "{}");
      if (list.status() != 200 || list.body().contains("\"peerURLs\":[\"" + peerUrl + "\"]")) {
        return;
      }
      Matcher id = MEMBER_ID.matcher(list.body());
      if (!id.find()) {
        return;
      }
      GatewayCall update =
          post(
              "/v3/cluster/member/update",
              "{\"ID\":\"" + id.group(1) + "\",\"peerURLs\":[\"" + peerUrl + "\"]}");
      if (update.status() != 200) {
        LOG.fine(
            "the embedded etcd's member record still names its earlier peer URL: etcd answered "
                + update.status()
                + " to its update to "
                + peerUrl);
      }
    } catch (IOException e) {
      LOG.log(
          Level.FINE,
          "the embedded etcd's member record still names its earlier peer URL: no update to "
              + peerUrl,
          e);
    }
  }

  /** A call of etcd's JSON gateway on the client port. */
  private GatewayCall post(String path, String json) throws IOException {
    return GatewayCall.of(URI.create(endpoint() + path), json, Duration.ofSeconds(1));
  }

  /**
   * The names of the members of the etcd answering on the client port; none when the answer is not
   * a member list (not 200: not an etcd, or not one that lists its members to this caller).
   */
  private List<String> memberNames() throws IOException {
    GatewayCall list = post("/v3/cluster/member/list", "{}");
    List<String> names = new ArrayList<>();
    if (list.status() == 200) {
      Matcher m = MEMBER_NAME.matcher(list.body());
      while (m.find()) {
        names.add(m.group(1));
      }
    }
    return names;
  }

  /** A member name no other etcd has: {@code sluice-control-plane-} and 64 random bits. */
  private static String newMemberName() {
    byte[] bytes = new byte[8];
    RANDOM.nextBytes(bytes);
    return "sluice-control-plane-" + HexFormat.of().formatHex(bytes);
  }

  /** Stops etcd (SIGTERM, then SIGKILL after 10 s) and gives up its data directory's lock. */
  @Override
  public void close() {
    Process running;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      running = process;
      notifyAll(); // a restart waiting for its client port gives up at once
    }
    forgetExitHook();
    try {
      stop(running);
    } finally {
      try {
        lock.close();
      } catch (IOException e) {
        LOG.log(Level.FINE, "could not close " + dataDir.resolve(DataDirectoryLock.LOCK_FILE), e);
      }
    }
  }

  private void stop(Process running) {
    if (running == null) {
      return;
    }
    running.destroy();
    try {
      if (!running.waitFor(10, TimeUnit.SECONDS)) {
        running.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      running.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    LOG.info("stopped the embedded etcd at " + endpoint());
  }
}
