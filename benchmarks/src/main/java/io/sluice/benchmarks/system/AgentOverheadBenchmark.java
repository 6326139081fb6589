package io.sluice.benchmarks.system;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.PoolOptions;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * System benchmark of the agent's cost (issue 4): one Vert.x service ({@link OverheadService}, one
 * outgoing JDK HttpClient call per request to a stub in this JVM) run three ways in one run — no
 * agent, the plain upstream OpenTelemetry agent, the Sluice agent with 10 sampling rules and 5
 * breaker policies from a rules file — all with exporters off, so only instrumentation is measured.
 * A Vert.x load generator in this JVM sends a fixed number of requests at a fixed concurrency, in
 * rounds that rotate the variants' order, after a warm-up; start-up time (JVM start to the first
 * successful request) is measured on separate starts. Two diagnostic variants can be added with
 * {@code --variants}: {@code otel-b3} (plain agent with B3 propagation as Sluice configures it) and
 * {@code sluice-defaults} (Sluice agent with no rules). Run by hand; see BENCHMARKS.md.
 */
public final class AgentOverheadBenchmark {

  private final Options options;
  private final Path work;
  private Vertx vertx;
  private HttpClient load;
  private int stubPort;

  private AgentOverheadBenchmark(Options options, Path work) {
    this.options = options;
    this.work = work;
  }

  /** Command-line options; see {@link Options#parse}. */
  record Options(
      int requests,
      int warmupRequests,
      int concurrency,
      int rounds,
      int startups,
      Path benchmarksJar,
      Path otelAgent,
      Path sluiceAgent,
      Path sluiceExtension,
      List<String> variants) {

    /**
     * Reads {@code --name value} pairs over {@link #defaults()}.
     *
     * @throws IllegalArgumentException naming the option and the bad value
     */
    static Options parse(String[] args) {
      Map<String, String> values = defaults();
      for (int i = 0; i < args.length; i += 2) {
        if (!values.containsKey(args[i])) {
          throw new IllegalArgumentException("unknown option '" + args[i] + "'");
        }
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(args[i] + " needs a value");
        }
        values.put(args[i], args[i + 1]);
      }
      return new Options(
          number(values, "--requests", 1),
          number(values, "--warmup", 0),
          number(values, "--concurrency", 1),
          number(values, "--rounds", 1),
          number(values, "--startups", 0),
          Path.of(values.get("--benchmarks-jar")),
          Path.of(values.get("--otel-agent")),
          Path.of(values.get("--sluice-agent")),
          Path.of(values.get("--sluice-extension")),
          List.of(values.get("--variants").split(",")));
    }

    /** Every option with its default, in the order the usage lists them. */
    static Map<String, String> defaults() {
      Map<String, String> values = new LinkedHashMap<>();
      values.put("--requests", "20000");
      values.put("--warmup", "30000");
      values.put("--concurrency", "16");
      values.put("--rounds", "3");
      values.put("--startups", "2");
      values.put("--benchmarks-jar", "benchmarks/target/benchmarks.jar");
      values.put("--otel-agent", "benchmarks/target/agents/opentelemetry-javaagent.jar");
      values.put("--sluice-agent", "javaagent-extension/target/sluice-javaagent.jar");
      values.put("--sluice-extension", "javaagent-extension/target/sluice-extension.jar");
      values.put("--variants", "none,otel,sluice");
      return values;
    }

    private static int number(Map<String, String> values, String option, int min) {
      return OptionValues.wholeNumber(option, values.get(option), min);
    }

    static String usage() {
      StringBuilder usage =
          new StringBuilder(
              """
              usage: java -cp benchmarks/target/benchmarks.jar \\
                       io.sluice.benchmarks.system.AgentOverheadBenchmark [options]

              From the repository root, after mvn -B verify (or package). Options, with defaults:
              """);
      defaults()
          .forEach((option, value) -> usage.append(String.format("  %-18s %s%n", option, value)));
      usage.append(
          String.format(
              "  %-18s %s%n  %-18s %s%n",
              "",
              "(--variants may add otel-b3, sluice-defaults)",
              "-h, --help",
              "this text; results and how to read them: BENCHMARKS.md"));
      return usage.toString();
    }
  }

  /** What one variant measured. */
  private static final class Measured {
    final String variant;
    final List<Double> startupMs = new ArrayList<>();
    final List<Double> throughputs = new ArrayList<>();
    // CPU time the service JVM used per request: steadier than throughput on a shared machine.
    final List<Double> cpuMicrosPerRequest = new ArrayList<>();
    final List<long[]> latencies = new ArrayList<>();
    int errors;
    int warmupErrors;

    Measured(String variant) {
      this.variant = variant;
    }

    double medianThroughput() {
      return median(throughputs);
    }

    Percentiles latency() {
      long[] all = latencies.stream().flatMapToLong(Arrays::stream).toArray();
      return Percentiles.of(all);
    }
  }

  public static void main(String[] args) throws Exception {
    Options options =
        OptionValues.parseOrExit("AgentOverheadBenchmark", args, Options.usage(), Options::parse);
    if (options == null) {
      return;
    }
    for (Path p : List.of(options.benchmarksJar(), options.otelAgent(), options.sluiceAgent())) {
      if (!Files.isRegularFile(p)) {
        System.err.println(
            "AgentOverheadBenchmark: "
                + p
                + " not found: build with mvn -B -q -pl benchmarks,javaagent-extension -am package"
                + " -DskipTests and run from the repository root");
        System.exit(2);
      }
    }
    // Exit explicitly, with a failure's status too: a service JVM's stop hook or a Vert.x thread
    // must not keep this JVM up after the run.
    try (WorkDir work = WorkDir.create("sluice-overhead-")) {
      new AgentOverheadBenchmark(options, work.path()).run();
    } catch (Exception e) {
      e.printStackTrace();
      System.exit(1);
    }
    System.exit(0);
  }

  private void run() throws Exception {
    vertx = Vertx.vertx();
    try {
      HttpServer stub =
          vertx
              .createHttpServer()
              .requestHandler(request -> request.response().end("ok"))
              .listen(0, "127.0.0.1")
              .toCompletionStage()
              .toCompletableFuture()
              .get();
      stubPort = stub.actualPort();
      load =
          vertx.createHttpClient(
              new HttpClientOptions().setKeepAlive(true).setDefaultHost("127.0.0.1"),
              new PoolOptions().setHttp1MaxSize(options.concurrency()));
      Files.writeString(work.resolve("rules.json"), rulesDocument(stubPort));
      System.out.println(
          "stub on "
              + stubPort
              + ", work dir "
              + work
              + ", "
              + Runtime.getRuntime().availableProcessors()
              + " CPUs, load average "
              + loadAverage());

      Map<String, Measured> measured = new LinkedHashMap<>();
      options.variants().forEach(v -> measured.put(v, new Measured(v)));

      // Start-up: separate starts, one JVM at a time (each stopped before the next starts); the
      // load phase's own starts below add one sample each. A JVM starting right after another
      // variant's is slowed by what that one is still doing (stopping, or, in the load phase,
      // finishing its own start-up), so the start order rotates every round: over
      // variants.size() rounds each variant starts once in each position.
      for (int s = 0; s < options.startups(); s++) {
        for (String variant : startOrder(s)) {
          int port = freePort();
          long t0 = System.nanoTime();
          try (ChildProcess service = startService(variant, port, "startup-" + s)) {
            double ms = awaitFirstSuccess(service, port, t0);
            measured.get(variant).startupMs.add(ms);
            System.out.printf(Locale.ROOT, "start-up %-16s %8.0f ms%n", variant, ms);
          }
        }
      }

      // Throughput and latency: one JVM per variant, all up at once, loaded one at a time.
      Map<String, ChildProcess> services = new LinkedHashMap<>();
      Map<String, Integer> ports = new LinkedHashMap<>();
      try {
        for (String variant : startOrder(options.startups())) {
          int port = freePort();
          long t0 = System.nanoTime();
          ChildProcess service = startService(variant, port, "load");
          services.put(variant, service);
          ports.put(variant, port);
          // Not alone: the JVMs started before it in this phase are up (idle, but maybe still
          // compiling or initializing); the rotated order spreads that over the variants. One more
          // start-up sample.
          double ms = awaitFirstSuccess(service, port, t0);
          measured.get(variant).startupMs.add(ms);
          System.out.printf(Locale.ROOT, "start-up %-16s %8.0f ms%n", variant, ms);
        }
        for (String variant : options.variants()) {
          Result warm = drive(ports.get(variant), options.warmupRequests());
          measured.get(variant).warmupErrors += warm.errors();
          System.out.printf(
              Locale.ROOT,
              "warm-up %-16s %8.0f req/s (%d errors)%n",
              variant,
              warm.throughput(),
              warm.errors());
        }
        // Checked before the measured rounds: without its rules the Sluice variant measures
        // nothing worth the time.
        requireSluiceRulesApplied(services);
        for (int round = 0; round < options.rounds(); round++) {
          List<String> order = new ArrayList<>(options.variants());
          Collections.rotate(order, -round);
          for (String variant : order) {
            long cpuBefore = services.get(variant).cpuNanos();
            Result r = drive(ports.get(variant), options.requests());
            long cpuAfter = services.get(variant).cpuNanos();
            Measured m = measured.get(variant);
            m.cpuMicrosPerRequest.add((cpuAfter - cpuBefore) / 1000.0 / options.requests());
            m.throughputs.add(r.throughput());
            m.latencies.add(r.latencies());
            m.errors += r.errors();
            Percentiles p = Percentiles.of(r.latencies());
            System.out.printf(
                Locale.ROOT,
                "round %d %-16s %8.0f req/s  p50 %6.2f ms  p99 %6.2f ms  service CPU %6.1f µs/req"
                    + "  (%d errors, load avg %s)%n",
                round + 1,
                variant,
                r.throughput(),
                p.p50Ms(),
                p.p99Ms(),
                m.cpuMicrosPerRequest.get(m.cpuMicrosPerRequest.size() - 1),
                r.errors(),
                loadAverage());
          }
        }
      } finally {
        services.values().forEach(ChildProcess::close);
      }
      report(measured);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  /** The variants in the order to start them in start round {@code round}. */
  private List<String> startOrder(int round) {
    List<String> order = new ArrayList<>(options.variants());
    Collections.rotate(order, -round);
    return order;
  }

  /**
   * Fails the run unless the {@code sluice} variant's log says the extension applied the rules file
   * ({@code FileRuleSource} logs "applied the rules file" and the path): otherwise that variant
   * would run on built-in defaults and its figures would be the {@code sluice-defaults} ones.
   */
  private void requireSluiceRulesApplied(Map<String, ChildProcess> services) {
    ChildProcess sluice = services.get("sluice");
    if (sluice == null) {
      return;
    }
    String applied = "applied the rules file " + work.resolve("rules.json");
    List<String> lines = sluice.logLines();
    List<String> sluiceLines =
        lines.stream().filter(line -> line.toLowerCase(Locale.ROOT).contains("sluice")).toList();
    if (lines.stream().noneMatch(line -> line.contains(applied))) {
      throw new IllegalStateException(
          "the sluice variant's log does not say \""
              + applied
              + "\", so its rules were not in force; its Sluice lines:\n  "
              + String.join("\n  ", sluiceLines));
    }
    System.out.println("sluice service log, Sluice lines:");
    sluiceLines.forEach(line -> System.out.println("  " + line));
  }

  private void report(Map<String, Measured> measured) throws IOException {
    System.out.println();
    System.out.printf(
        Locale.ROOT,
        "Agent overhead: %d requests x %d rounds per variant at concurrency %d, after %d warm-up"
            + " requests; start-up median of %d starts%n",
        options.requests(),
        options.rounds(),
        options.concurrency(),
        options.warmupRequests(),
        options.startups() + 1);
    System.out.printf(
        Locale.ROOT,
        "%-16s %12s %-26s %11s %9s %9s %9s %12s %7s%n",
        "variant",
        "req/s (med)",
        "req/s per round",
        "CPU µs/req",
        "p50 ms",
        "p99 ms",
        "max ms",
        "start-up ms",
        "errors");
    for (Measured m : measured.values()) {
      Percentiles p = m.latency();
      System.out.printf(
          Locale.ROOT,
          "%-16s %12.0f %-26s %11.1f %9.2f %9.2f %9.1f %12.0f %7d%n",
          m.variant,
          m.medianThroughput(),
          m.throughputs.stream()
              .map(t -> String.format(Locale.ROOT, "%.0f", t))
              .collect(Collectors.joining("/")),
          median(m.cpuMicrosPerRequest),
          p.p50Ms(),
          p.p99Ms(),
          p.maxMs(),
          median(m.startupMs),
          m.errors);
    }
    Measured none = measured.get("none");
    Measured otel = measured.get("otel");
    Measured sluice = measured.get("sluice");
    if (otel != null && sluice != null && withoutErrors("sluice / otel", sluice, otel)) {
      System.out.printf(
          Locale.ROOT,
          "sluice / otel: throughput %.3f (target >= 0.95), p50 %.3f, p99 %.3f (target <= 1.10),"
              + " start-up %+.0f ms, CPU per request %.3f%n",
          sluice.medianThroughput() / otel.medianThroughput(),
          sluice.latency().p50Ms() / otel.latency().p50Ms(),
          sluice.latency().p99Ms() / otel.latency().p99Ms(),
          median(sluice.startupMs) - median(otel.startupMs),
          median(sluice.cpuMicrosPerRequest) / median(otel.cpuMicrosPerRequest));
    }
    if (none != null && otel != null && withoutErrors("otel / none", otel, none)) {
      System.out.printf(
          Locale.ROOT,
          "otel / none:   throughput %.3f, p50 %.3f, p99 %.3f, start-up %+.0f ms, CPU per request"
              + " %.3f%n",
          otel.medianThroughput() / none.medianThroughput(),
          otel.latency().p50Ms() / none.latency().p50Ms(),
          otel.latency().p99Ms() / none.latency().p99Ms(),
          median(otel.startupMs) - median(none.startupMs),
          median(otel.cpuMicrosPerRequest) / median(none.cpuMicrosPerRequest));
    }
    for (Measured m : measured.values()) {
      if (otel == null
          || m == otel
          || m == sluice
          || m == none
          || !withoutErrors(m.variant + " / otel", m, otel)) {
        continue;
      }
      System.out.printf(
          Locale.ROOT,
          "%s / otel: throughput %.3f, p50 %.3f, p99 %.3f, start-up %+.0f ms,"
              + " CPU per request %.3f%n",
          m.variant,
          m.medianThroughput() / otel.medianThroughput(),
          m.latency().p50Ms() / otel.latency().p50Ms(),
          m.latency().p99Ms() / otel.latency().p99Ms(),
          median(m.startupMs) - median(otel.startupMs),
          median(m.cpuMicrosPerRequest) / median(otel.cpuMicrosPerRequest));
    }
    for (Path jar :
        List.of(options.sluiceExtension(), options.sluiceAgent(), options.otelAgent())) {
      if (Files.isRegularFile(jar)) {
        System.out.printf(
            Locale.ROOT,
            "size %-55s %,12d bytes (%.1f MB)%n",
            jar,
            Files.size(jar),
            Files.size(jar) / 1048576.0);
      }
    }
  }

  /**
   * Whether both variants served every request; if not, prints why there is no ratio for them: a
   * failed request is answered fast (or times out), so throughput and latency would compare
   * different work.
   */
  private static boolean withoutErrors(String ratio, Measured subject, Measured base) {
    List<String> failed = new ArrayList<>();
    for (Measured m : List.of(subject, base)) {
      if (m.errors > 0 || m.warmupErrors > 0) {
        failed.add(
            String.format(
                Locale.ROOT,
                "%s had %d errors in the measured rounds and %d in warm-up",
                m.variant,
                m.errors,
                m.warmupErrors));
      }
    }
    if (failed.isEmpty()) {
      return true;
    }
    System.out.println(ratio + ": no ratios, " + String.join("; ", failed) + " (see its log)");
    return false;
  }

  /** One load run's outcome. */
  record Result(double throughput, long[] latencies, int errors) {}

  /**
   * Sends {@code total} GETs with {@code concurrency} in flight (each finished request starts the
   * next) and records each one's latency.
   */
  private Result drive(int port, int total) throws InterruptedException {
    long[] latencies = new long[total];
    AtomicInteger next = new AtomicInteger();
    AtomicInteger errors = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(total);
    long start = System.nanoTime();
    for (int i = 0; i < options.concurrency(); i++) {
      sendNext(port, total, latencies, next, errors, done);
    }
    if (!done.await(10, TimeUnit.MINUTES)) {
      throw new IllegalStateException("load run did not finish within 10 minutes");
    }
    long elapsed = System.nanoTime() - start;
    return new Result(total / (elapsed / 1e9), latencies, errors.get());
  }

  private void sendNext(
      int port,
      int total,
      long[] latencies,
      AtomicInteger next,
      AtomicInteger errors,
      CountDownLatch done) {
    int index = next.getAndIncrement();
    if (index >= total) {
      return;
    }
    long t0 = System.nanoTime();
    // the body is read by a handler set before the send: Vert.x 5.0's body() never completes for a
    // response that already ended, which a callback chained after send() can come after
    Future<Integer> status =
        load.request(HttpMethod.GET, port, "127.0.0.1", "/work")
            .compose(
                req -> {
                  Future<Integer> answered =
                      req.response().compose(resp -> resp.body().map(body -> resp.statusCode()));
                  return req.send().compose(sent -> answered);
                });
    status.onComplete(
        ar -> {
          latencies[index] = System.nanoTime() - t0;
          if (ar.failed() || ar.result() != 200) {
            errors.incrementAndGet();
          }
          done.countDown();
          sendNext(port, total, latencies, next, errors, done);
        });
  }

  private ChildProcess startService(String variant, int port, String tag) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xms256m");
    command.add("-Xmx256m");
    // Java ignores $TMPDIR: the agent's extracted extension goes to the work directory, deleted
    // with it, not /tmp, where a service killed at the end of its stop left it
    command.add("-Djava.io.tmpdir=" + Files.createDirectories(work.resolve("tmp")));
    switch (variant) {
      case "none" -> {}
      case "otel" -> {
        command.add("-javaagent:" + options.otelAgent());
        command.addAll(otelFlags());
      }
      case "otel-b3" -> {
        // Diagnosis: the plain agent with Sluice's default propagators (B3 multi-header too).
        command.add("-javaagent:" + options.otelAgent());
        command.addAll(otelFlags());
        command.add("-Dotel.propagators=tracecontext,baggage,b3multi");
      }
      case "sluice" -> {
        command.add("-javaagent:" + options.sluiceAgent());
        command.addAll(otelFlags());
        command.add("-Dsluice.rules.file=" + work.resolve("rules.json"));
        command.add("-Dsluice.state.dir=" + work.resolve("state-" + tag));
      }
      case "sluice-defaults" -> {
        // Diagnosis: the Sluice agent on its built-in defaults (no rules, no breakers).
        command.add("-javaagent:" + options.sluiceAgent());
        command.addAll(otelFlags());
        command.add("-Dsluice.state.dir=" + work.resolve("state-" + tag));
      }
      default -> throw new IllegalArgumentException("unknown variant " + variant);
    }
    command.add("-cp");
    command.add(options.benchmarksJar().toString());
    command.add(OverheadService.class.getName());
    command.add(String.valueOf(port));
    command.add("http://127.0.0.1:" + stubPort);
    return ChildProcess.start(
        variant + " service", command, work.resolve(variant + "-" + tag + ".log"));
  }

  private static List<String> otelFlags() {
    return List.of(
        "-Dotel.service.name=bench",
        "-Dotel.traces.exporter=none",
        "-Dotel.metrics.exporter=none",
        "-Dotel.logs.exporter=none");
  }

  /** Polls until the service answers 200 through its stub call; returns ms since {@code t0}. */
  private static double awaitFirstSuccess(ChildProcess service, int port, long t0)
      throws InterruptedException {
    java.net.http.HttpClient probe =
        java.net.http.HttpClient.newBuilder()
            .version(java.net.http.HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(1))
            .build();
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/work"))
            .timeout(Duration.ofSeconds(30))
            .build();
    long deadline = t0 + TimeUnit.SECONDS.toNanos(300);
    while (System.nanoTime() < deadline) {
      if (!service.isAlive()) {
        throw new IllegalStateException("the service exited:\n" + service.logTail());
      }
      try {
        HttpResponse<String> response = probe.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200) {
          return (System.nanoTime() - t0) / 1e6;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(5); // polling a child's start-up, bounded by the deadline
    }
    throw new IllegalStateException(
        "the service did not answer within 300 s:\n" + service.logTail());
  }

  /**
   * 10 sampling rules (nine that never match, then one that keeps every server span, as the plain
   * agent does) and 5 breaker policies (four for other hosts, then one covering the stub).
   */
  static String rulesDocument(int stubPort) {
    StringBuilder rules = new StringBuilder();
    for (int i = 0; i < 9; i++) {
      rules.append(
          """
          {"name": "other-%d", "match": {"spanKind": "SERVER", "spanName": "GET /other-%d/**",
             "attributes": {"http.request.method": "POST"}}, "ratio": 0.5, "maxPerSecond": 100},
          """
              .formatted(i, i));
    }
    rules.append(
        """
        {"name": "all-server", "match": {"spanKind": "SERVER"}, "ratio": 1.0}""");
    StringBuilder breakers = new StringBuilder();
    for (int i = 0; i < 4; i++) {
      breakers.append(
          """
          {"name": "other-%d", "match": {"host": "inventory-%d*", "port": 8080, \
          "path": "/stock/**"},
           "failureRateThreshold": 50, "waitInOpenState": "10s"},
          """
              .formatted(i, i));
    }
    breakers.append(
        """
        {"name": "stub", "match": {"host": "127.0.0.1", "port": %d, "method": "GET", \
        "path": "/pay/**"},
         "failureRateThreshold": 50, "slowCallRateThreshold": 100, "slowCallDuration": "2s",
         "slidingWindow": {"type": "COUNT", "size": 20}, "minimumCalls": 10,
         "waitInOpenState": "10s", "halfOpenCalls": 3, "failureStatusCodes": ["5xx"],
         "onOpen": {"mode": "error"}}"""
            .formatted(stubPort));
    return """
        {"schemaVersion": 1, "service": "bench",
         "sampling": {"defaultRatio": 1.0, "respectParentDecision": true, "rules": [%s]},
         "breakers": [%s]}
        """
        .formatted(rules, breakers);
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg"), StandardCharsets.US_ASCII).split(" ")[0];
    } catch (IOException e) {
      return "?";
    }
  }

  private static double median(List<Double> values) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    int mid = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
