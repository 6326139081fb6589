package io.sluice.benchmarks.system;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.sluice.rules.wire.AgentStatus;
import io.sluice.rules.wire.AgentStatusCodec;
import io.sluice.rules.wire.EtcdKeys;
import io.sluice.sdk.ActiveRules;
import io.sluice.sdk.ActiveRulesHolder;
import io.sluice.sdk.source.EtcdRuleSource;
import io.sluice.sdk.source.LastKnownGoodStore;
import io.sluice.sdk.source.RuleSourceListener;
import io.sluice.sdk.status.StatusReporter;
import io.sluice.testing.etcd.EtcdServer;
import java.io.IOException;
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
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * System benchmark of rule propagation (issue 5): a real etcd, the real control plane jar as a
 * child process, N in-process SDK agents each with its own etcd client ({@link EtcdRuleSource} and
 * {@link StatusReporter}, distinct instance ids, one service). Each iteration PUTs a new rule
 * document through the REST API and measures, from the PUT's response, when the last agent's status
 * key in etcd reports the new revision (seen by one watch on the agents prefix), and when the last
 * agent applied it in process.
 *
 * <p>Run by hand (never by {@code mvn verify}); see BENCHMARKS.md for the command. Everything it
 * starts is stopped at the end, also on failure or Ctrl-C.
 */
public final class RulePropagationBenchmark {

  private static final String SERVICE = "bench";
  private static final String TOKEN = "bench-writer-token-0123456789";
  private static final Pattern REVISION = Pattern.compile("\"revision\"\\s*:\\s*(\\d+)");
  private static final Duration APPLY_TIMEOUT = Duration.ofSeconds(30);
  private static final String USAGE =
      """
      usage: java -cp benchmarks/target/benchmarks.jar \\
               io.sluice.benchmarks.system.RulePropagationBenchmark [options]

      From the repository root, with etcd on PATH and the control plane jar built
      (mvn -B -q -pl benchmarks,control-plane -am package -DskipTests). Options, with defaults:
        --agents 10,100,500   SDK agents per run; one run per count
        --iterations 30       measured rule PUTs per run
        --warmup 3            unmeasured PUTs before them
        --gap-ms 300          pause between two PUTs
        --control-plane control-plane/target/sluice-control-plane.jar
        -h, --help            this text
      Results and how to read them: BENCHMARKS.md.
      """;

  private final Options options;
  private final EtcdKeys keys = EtcdKeys.defaults();
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private volatile Round round;
  private String baseUrl;

  private RulePropagationBenchmark(Options options) {
    this.options = options;
  }

  /** Command-line options; see {@link #USAGE}. */
  record Options(
      List<Integer> agentCounts, int iterations, int warmup, Path controlPlaneJar, long gapMs) {

    /**
     * Reads {@code --name value} pairs over the defaults.
     *
     * @throws IllegalArgumentException naming the option and the bad value
     */
    static Options parse(String[] args) {
      List<Integer> counts = List.of(10, 100, 500);
      int iterations = 30;
      int warmup = 3;
      Path jar = Path.of("control-plane/target/sluice-control-plane.jar");
      long gap = 300;
      for (int i = 0; i < args.length; i += 2) {
        switch (args[i]) {
          case "--agents" -> {
            List<Integer> list = new ArrayList<>();
            for (String n : value(args, i).split(",", -1)) {
              list.add(number(args[i], n.trim(), 1));
            }
            counts = List.copyOf(list);
          }
          case "--iterations" -> iterations = number(args[i], value(args, i), 1);
          case "--warmup" -> warmup = number(args[i], value(args, i), 0);
          case "--control-plane" -> jar = Path.of(value(args, i));
          case "--gap-ms" -> gap = number(args[i], value(args, i), 0);
          default -> throw new IllegalArgumentException("unknown option '" + args[i] + "'");
        }
      }
      return new Options(counts, iterations, warmup, jar, gap);
    }

    /** The value after the option at {@code i}. */
    private static String value(String[] args, int i) {
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(args[i] + " needs a value");
      }
      return args[i + 1];
    }

    private static int number(String option, String value, int min) {
      return OptionValues.wholeNumber(option, value, min);
    }
  }

  /** One PUT: the revision it made and when each agent reached it. */
  private static final class Round {
    final long revision;
    final long responseNanos;
    final Set<String> statusSeen = ConcurrentHashMap.newKeySet();
    final Set<String> appliedSeen = ConcurrentHashMap.newKeySet();
    final AtomicLong lastStatusNanos = new AtomicLong(Long.MIN_VALUE);
    final AtomicLong lastAppliedNanos = new AtomicLong(Long.MIN_VALUE);
    final CountDownLatch statusDone;
    final CountDownLatch appliedDone;

    Round(long revision, long responseNanos, int agents) {
      this.revision = revision;
      this.responseNanos = responseNanos;
      this.statusDone = new CountDownLatch(agents);
      this.appliedDone = new CountDownLatch(agents);
    }
  }

  public static void main(String[] args) throws Exception {
    Options options =
        OptionValues.parseOrExit("RulePropagationBenchmark", args, USAGE, Options::parse);
    if (options == null) {
      return;
    }
    if (!Files.isRegularFile(options.controlPlaneJar())) {
      System.err.println(
          "RulePropagationBenchmark: "
              + options.controlPlaneJar()
              + " not found: build it with mvn -B -q -pl benchmarks,control-plane -am package"
              + " -DskipTests, and run from the repository root");
      System.exit(2);
    }
    // jetcd leaves non-daemon threads behind: exit explicitly, with a failure's status too.
    try {
      new RulePropagationBenchmark(options).run();
    } catch (Exception e) {
      e.printStackTrace();
      System.exit(1);
    }
    System.exit(0);
  }

  private void run() throws Exception {
    List<String> results = new ArrayList<>();
    // The work directory encloses everything else, so a failed set-up (no etcd binary, etcd or the
    // control plane not starting) still deletes it. EtcdServer stops its process on Ctrl-C itself.
    try (WorkDir workDir = WorkDir.create("sluice-propagation-");
        EtcdServer etcd = EtcdServer.fromPath()) {
      Path work = workDir.path();
      etcd.start();
      System.out.println("etcd at " + etcd.endpoint() + ", work dir " + work);
      try (ChildProcess controlPlane = startControlPlane(etcd.endpoint(), work);
          Client observer = Client.builder().endpoints(etcd.endpoint()).build();
          Watch.Watcher watcher = watchStatuses(observer)) {
        awaitControlPlane(controlPlane);
        for (int agents : options.agentCounts()) {
          results.add(runWith(agents, etcd.endpoint(), work));
        }
      }
    }
    System.out.println();
    System.out.println(
        "Rule propagation, from the PUT's response to the last agent (negative: before the"
            + " response arrived)");
    System.out.println(results.stream().reduce("", (a, b) -> a + b));
    System.out.println("Target: status p99 < 200 ms at N = 100.");
  }

  private ChildProcess startControlPlane(String etcdEndpoint, Path work) throws IOException {
    int port = freePort();
    baseUrl = "http://127.0.0.1:" + port;
    List<String> command =
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx512m",
            // Java ignores $TMPDIR: Tomcat's directories go to the work directory, deleted with it
            "-Djava.io.tmpdir=" + Files.createDirectories(work.resolve("tmp")),
            "-jar",
            options.controlPlaneJar().toString(),
            "--server.port=" + port,
            "--server.address=127.0.0.1",
            "--sluice.etcd.endpoints=" + etcdEndpoint,
            "--sluice.state.dir=" + work.resolve("control-plane-state"),
            "--sluice.security.tokens.bench.token=" + TOKEN,
            "--sluice.security.tokens.bench.role=writer");
    System.out.println(
        "control plane at " + baseUrl + ", log " + work.resolve("control-plane.log"));
    return ChildProcess.start("control plane", command, work.resolve("control-plane.log"));
  }

  private void awaitControlPlane(ChildProcess controlPlane) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    long start = System.nanoTime();
    while (System.nanoTime() < deadline) {
      if (!controlPlane.isAlive()) {
        throw new IllegalStateException("the control plane exited:\n" + controlPlane.logTail());
      }
      try {
        HttpResponse<String> response =
            http.send(
                HttpRequest.newBuilder(URI.create(baseUrl + "/api/v1/services"))
                    .header("Authorization", "Bearer " + TOKEN)
                    .timeout(Duration.ofSeconds(5))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200) {
          System.out.printf(
              Locale.ROOT, "control plane up after %.1f s%n", (System.nanoTime() - start) / 1e9);
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(200); // polling a child process' start-up, bounded by the deadline
    }
    throw new IllegalStateException(
        "the control plane did not answer within 180 s:\n" + controlPlane.logTail());
  }

  private Watch.Watcher watchStatuses(Client observer) {
    ByteSequence prefix = bytes(keys.agentsPrefix(SERVICE));
    return observer
        .getWatchClient()
        .watch(
            prefix,
            WatchOption.builder().isPrefix(true).build(),
            response -> {
              long now = System.nanoTime();
              for (WatchEvent event : response.getEvents()) {
                if (event.getEventType() != WatchEvent.EventType.PUT) {
                  continue;
                }
                AgentStatus status =
                    AgentStatusCodec.parse(event.getKeyValue().getValue().getBytes()).orElse(null);
                if (status != null) {
                  Seen seen = new Seen(status.appliedRevision(), now);
                  statusRevisions.put(status.instanceId(), seen);
                  // Read the round only after recording: a round armed in between then sees the
                  // record in agentsCatchUp, or this sees the round.
                  statusReached(round, status.instanceId(), seen);
                }
              }
            });
  }

  private String runWith(int agentCount, String endpoint, Path work) throws Exception {
    System.out.printf(Locale.ROOT, "%n== %d agents ==%n", agentCount);
    List<Agent> agents = new ArrayList<>();
    long startNanos = System.nanoTime();
    try {
      for (int i = 0; i < agentCount; i++) {
        agents.add(Agent.start(endpoint, keys, "agent-" + agentCount + "-" + i, work, this));
      }
      // A first PUT that every agent must reach: all clients connected, watches and leases up.
      Duration readyTimeout = Duration.ofSeconds(120);
      Round ready = putAndAwait(agentCount, "ready", readyTimeout);
      requireEveryAgent(ready, "ready", agents, readyTimeout);
      System.out.printf(
          Locale.ROOT,
          "%d agents started and reporting revision %d after %.1f s%n",
          agentCount,
          ready.revision,
          (System.nanoTime() - startNanos) / 1e9);
      for (int i = 0; i < options.warmup(); i++) {
        pace();
        String tag = "warmup-" + i;
        requireEveryAgent(putAndAwait(agentCount, tag, APPLY_TIMEOUT), tag, agents, APPLY_TIMEOUT);
      }
      long[] status = new long[options.iterations()];
      long[] applied = new long[options.iterations()];
      long[] putNanos = new long[options.iterations()];
      long[] fromRequest = new long[options.iterations()];
      int missed = 0;
      for (int i = 0; i < options.iterations(); i++) {
        pace();
        long before = System.nanoTime();
        Round r = putAndAwait(agentCount, "iteration-" + i, APPLY_TIMEOUT);
        putNanos[i] = r.responseNanos - before;
        boolean statusMissed = r.statusDone.getCount() > 0;
        boolean appliedMissed = r.appliedDone.getCount() > 0;
        missed += statusMissed || appliedMissed ? 1 : 0;
        status[i] =
            statusMissed ? APPLY_TIMEOUT.toNanos() : r.lastStatusNanos.get() - r.responseNanos;
        applied[i] =
            appliedMissed ? APPLY_TIMEOUT.toNanos() : r.lastAppliedNanos.get() - r.responseNanos;
        fromRequest[i] = putNanos[i] + status[i];
      }
      String table =
          String.format(
              Locale.ROOT,
              "%nN = %d agents, %d iterations (%d warm-up), %d ms between PUTs%s%n"
                  + "%-32s %s%n%-32s %s%n%-32s %s%n%-32s %s%n%-32s %s%n",
              agentCount,
              options.iterations(),
              options.warmup(),
              options.gapMs(),
              missed > 0 ? ", " + missed + " TIMED OUT (counted as 30 s)" : "",
              "",
              Percentiles.header(),
              "last agent's status key in etcd",
              Percentiles.of(status).row(),
              "last agent applied in process",
              Percentiles.of(applied).row(),
              "PUT request -> response",
              Percentiles.of(putNanos).row(),
              "PUT request -> last status key",
              Percentiles.of(fromRequest).row());
      System.out.print(table);
      return table;
    } finally {
      round = null;
      agents.parallelStream().forEach(Agent::close);
      statusRevisions.clear();
    }
  }

  /**
   * Spaces PUTs further apart than the status reporter's minimum write interval (200 ms), so each
   * measured change is written at once rather than debounced behind the previous one.
   */
  private void pace() throws InterruptedException {
    Thread.sleep(options.gapMs());
  }

  private Round putAndAwait(int agents, String tag, Duration timeout) throws Exception {
    String body =
        """
        {"schemaVersion": 1, "service": "%s",
         "sampling": {"defaultRatio": 0.25, "respectParentDecision": true,
           "rules": [{"name": "%s", "match": {"spanName": "GET /health*"}, "ratio": 0.0}]},
         "breakers": [{"name": "payments", "match": {"host": "payments*", "port": 8080},
           "failureRateThreshold": 50, "waitInOpenState": "10s"}]}
        """
            .formatted(SERVICE, tag);
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(baseUrl + "/api/v1/services/" + SERVICE + "/rules"))
            .header("Authorization", "Bearer " + TOKEN)
            .header("Content-Type", "application/json")
            .timeout(Duration.ofSeconds(30))
            .PUT(HttpRequest.BodyPublishers.ofString(body))
            .build();
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    long responseNanos = System.nanoTime();
    if (response.statusCode() != 200 && response.statusCode() != 201) {
      throw new IllegalStateException(
          "PUT answered " + response.statusCode() + ": " + response.body());
    }
    Matcher m = REVISION.matcher(response.body());
    if (!m.find()) {
      throw new IllegalStateException("no revision in the PUT's answer: " + response.body());
    }
    Round r = new Round(Long.parseLong(m.group(1)), responseNanos, agents);
    round = r;
    agentsCatchUp(r);
    r.statusDone.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    r.appliedDone.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    return r;
  }

  /**
   * Fails the run unless every agent both reported the round's revision in its status key and
   * applied it in process: the ready and warm-up rounds are not measured, but an agent that misses
   * one would make every measured round time out for a reason that is not propagation.
   */
  private static void requireEveryAgent(Round r, String tag, List<Agent> agents, Duration timeout) {
    List<String> noStatus = missing(agents, r.statusSeen);
    List<String> notApplied = missing(agents, r.appliedSeen);
    if (noStatus.isEmpty() && notApplied.isEmpty()) {
      return;
    }
    throw new IllegalStateException(
        String.format(
            Locale.ROOT,
            "round %s (revision %d): within %d s, %d of %d agents did not report it in their"
                + " status key (%s) and %d did not apply it (%s)",
            tag,
            r.revision,
            timeout.toSeconds(),
            noStatus.size(),
            agents.size(),
            names(noStatus),
            notApplied.size(),
            names(notApplied)));
  }

  private static List<String> missing(List<Agent> agents, Set<String> seen) {
    List<String> ids = new ArrayList<>();
    for (Agent agent : agents) {
      if (!seen.contains(agent.id)) {
        ids.add(agent.id);
      }
    }
    return ids;
  }

  /** At most 20 ids, so that 500 silent agents still make a readable message. */
  private static String names(List<String> ids) {
    if (ids.isEmpty()) {
      return "none";
    }
    int shown = Math.min(ids.size(), 20);
    String list = String.join(", ", ids.subList(0, shown));
    return shown == ids.size() ? list : list + ", and " + (ids.size() - shown) + " more";
  }

  /** A revision an agent reached, and when that was seen (System.nanoTime). */
  record Seen(long revision, long nanos) {}

  // The latest of every agent, so that what happened before a round was armed (agents can apply a
  // change before the PUT's response arrives) still counts, with its own time.
  private final Set<Agent> live = ConcurrentHashMap.newKeySet();
  private final ConcurrentHashMap<String, Seen> statusRevisions = new ConcurrentHashMap<>();

  private void agentsCatchUp(Round r) {
    statusRevisions.forEach((id, seen) -> statusReached(r, id, seen));
    for (Agent agent : live) {
      Seen last = agent.last;
      if (last != null) {
        applied(r, agent.id, last);
      }
    }
  }

  private static void statusReached(Round current, String id, Seen seen) {
    if (current != null && seen.revision() >= current.revision && current.statusSeen.add(id)) {
      current.lastStatusNanos.accumulateAndGet(seen.nanos(), Math::max);
      current.statusDone.countDown();
    }
  }

  private static void applied(Round current, String id, Seen seen) {
    if (current != null && seen.revision() >= current.revision && current.appliedSeen.add(id)) {
      current.lastAppliedNanos.accumulateAndGet(seen.nanos(), Math::max);
      current.appliedDone.countDown();
    }
  }

  /** One in-process SDK agent: its own etcd client, rule source and status reporter. */
  static final class Agent implements RuleSourceListener {
    final String id;
    final Client client;
    final ActiveRulesHolder rules;
    final EtcdRuleSource source;
    final StatusReporter status;
    final RulePropagationBenchmark bench;
    volatile Seen last;

    private Agent(String id, String endpoint, EtcdKeys keys, Path work, RulePropagationBenchmark b)
        throws IOException {
      this.id = id;
      this.bench = b;
      this.client = Client.builder().endpoints(endpoint).build();
      this.rules = new ActiveRulesHolder(ActiveRules.defaults(SERVICE));
      this.source =
          EtcdRuleSource.builder(client, rules, SERVICE)
              .keys(keys)
              .lastKnownGood(LastKnownGoodStore.create(Files.createDirectories(work.resolve(id))))
              .build();
      this.status =
          StatusReporter.builder(client, SERVICE, rules)
              .keys(keys)
              .instanceId(id)
              .addRuleSource(source)
              .build();
    }

    static Agent start(
        String endpoint, EtcdKeys keys, String id, Path work, RulePropagationBenchmark b)
        throws IOException {
      Agent agent = new Agent(id, endpoint, keys, work, b);
      agent.source.addListener(agent);
      b.live.add(agent);
      agent.source.start();
      agent.status.start();
      return agent;
    }

    @Override
    public void onApplied(ActiveRules applied) {
      Seen seen = new Seen(applied.revision(), System.nanoTime());
      last = seen;
      RulePropagationBenchmark.applied(bench.round, id, seen);
    }

    void close() {
      bench.live.remove(this);
      status.close();
      source.close();
      client.close();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
