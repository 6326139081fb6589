package io.sluice.demo;

import io.sluice.demo.loadgen.LoadGenerator;
import io.sluice.demo.loadgen.LoadReport;
import io.sluice.demo.loadgen.LoadSettings;
import io.sluice.demo.mesh.DemoService;
import io.sluice.demo.mesh.ServiceKind;
import io.sluice.demo.mesh.ServiceSettings;
import io.vertx.core.Vertx;
import java.net.BindException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The entry point of {@code sluice-demo.jar}: the first argument picks the service or the load
 * generator, the rest are its flags.
 *
 * <pre>
 * java -jar sluice-demo.jar gateway   --port 8080 --orders-url http://127.0.0.1:8081
 * java -jar sluice-demo.jar orders    --port 8081 --payments-url http://127.0.0.1:8082 \
 *                                     --inventory-url http://127.0.0.1:8083
 * java -jar sluice-demo.jar payments  --port 8082 [--error-rate 0.5 --latency 200ms]
 * java -jar sluice-demo.jar inventory --port 8083
 * java -jar sluice-demo.jar loadgen   --target http://127.0.0.1:8080 --rate 10 --duration 60s
 * </pre>
 *
 * <p>Exit status: 0 on success, 1 when a service cannot start or the load generator got no answer
 * from the mesh, 2 on invalid arguments. Services stop gracefully on SIGTERM or Ctrl-C.
 */
public final class DemoMain {
  /** The help text; the timeouts' defaults come from {@link ServiceSettings}, so they stay true. */
  static final String USAGE =
      """
      usage: java -jar sluice-demo.jar <command> [--flag value ...]

      commands:
        gateway    POST /checkout, calls orders      --port 8080 --orders-url URL --timeout %s
        orders     POST /orders, calls inventory then payments
                                                     --port 8081 --payments-url URL
                                                     --inventory-url URL --timeout %s
        payments   POST /pay/{orderId}, faultable    --port 8082 --error-rate 0 --latency 0ms
        inventory  GET /stock/{sku}, faultable       --port 8083 --error-rate 0 --latency 0ms
        loadgen    drives the gateway                --target URL --rate 10 --duration 60s
                                                     --max-requests N --concurrency 64 --timeout 5s

      every service: --host 127.0.0.1 --shutdown-grace 5s, GET /health
      payments and inventory: GET|POST|DELETE /admin/faults {"errorRate":0.5,"latencyMs":200}
      every flag --some-name may come from the environment variable DEMO_SOME_NAME instead.
      """
          .formatted(
              Flags.format(ServiceSettings.GATEWAY_TIMEOUT),
              Flags.format(ServiceSettings.ORDERS_TIMEOUT));

  private DemoMain() {}

  /** Runs the command named by the first argument. */
  public static void main(String[] args) throws InterruptedException {
    if (args.length == 0 || asksForHelp(args)) {
      System.out.print(USAGE);
      System.exit(args.length == 0 ? 2 : 0);
    }
    List<String> rest = Arrays.asList(args).subList(1, args.length);
    Flags flags = Flags.parse(rest, System::getenv);
    if ("loadgen".equals(args[0])) {
      LoadSettings settings = LoadSettings.read(flags);
      exitOnProblems(args[0], flags);
      System.exit(runLoad(settings));
    }
    ServiceKind kind = ServiceKind.fromServiceName(args[0]);
    if (kind == null) {
      System.err.println("sluice-demo: unknown command '" + args[0] + "'");
      System.err.print(USAGE);
      System.exit(2);
    }
    ServiceSettings settings = ServiceSettings.read(kind, flags);
    exitOnProblems(args[0], flags);
    runService(settings);
  }

  private static void runService(ServiceSettings settings) {
    Vertx vertx = Vertx.vertx();
    DemoService service;
    try {
      service = DemoService.start(vertx, settings).await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      System.err.println(startFailure(settings, e));
      vertx.close();
      System.exit(1);
      return;
    }
    System.out.println(settings.describe(service.port()));
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  System.out.println(settings.kind().serviceName() + ": shutting down");
                  long graceMillis = settings.shutdownGrace().toMillis() + 2_000;
                  try {
                    service.stop().await(graceMillis, TimeUnit.MILLISECONDS);
                    vertx.close().await(5, TimeUnit.SECONDS);
                  } catch (Exception e) {
                    System.err.println("sluice-demo: unclean shutdown: " + e);
                  }
                },
                "sluice-demo-shutdown"));
    // Vert.x event-loop threads keep the JVM running until the shutdown hook closes them.
  }

  /**
   * Whether the arguments ask for the usage: {@code -h}, {@code --help} or {@code help} as the
   * command, or {@code -h} / {@code --help} after it ({@code gateway --help}), which would
   * otherwise read as a flag without a value.
   */
  static boolean asksForHelp(String[] args) {
    if (List.of("-h", "--help", "help").contains(args[0])) {
      return true;
    }
    return Arrays.asList(args).subList(1, args.length).stream()
        .anyMatch(arg -> arg.equals("-h") || arg.equals("--help"));
  }

  /** How deep {@link #startFailure} looks for a port that cannot be bound. */
  private static final int MAX_CAUSES = 16;

  /**
   * The one line a service that could not start prints. A port that cannot be bound (taken by
   * another process, or an address this machine does not have) says where and what to change.
   */
  static String startFailure(ServiceSettings settings, Throwable failure) {
    String prefix = "sluice-demo: " + settings.kind().serviceName() + " could not start: ";
    // bounded: a cause chain may loop (Throwable#initCause refuses only a throwable itself)
    Throwable t = failure;
    for (int depth = 0; t != null && depth < MAX_CAUSES; depth++, t = t.getCause()) {
      if (t instanceof BindException) {
        return prefix
            + "cannot listen on "
            + settings.host()
            + ":"
            + settings.port()
            + " ("
            + t.getMessage()
            + "): stop what listens there, or choose another port with --port (0 picks a free"
            + " one) or another address with --host";
      }
    }
    return prefix + failure.getMessage();
  }

  private static int runLoad(LoadSettings settings) throws InterruptedException {
    Vertx vertx = Vertx.vertx();
    // Output gone (`./demo.sh | less` quit, a terminal closed) ends the run early, as Ctrl-C does:
    // left running, its lines lost, it would hold demo.sh and every service until --duration ends.
    AtomicReference<LoadGenerator> running = new AtomicReference<>();
    AtomicBoolean outputGone = new AtomicBoolean();
    Consumer<String> out =
        line -> {
          System.out.println(line);
          if (System.out.checkError() && !outputGone.getAndSet(true)) {
            System.err.println(
                "loadgen: standard output is gone (pipe or terminal closed); stopping");
            running.get().stop();
          }
        };
    LoadGenerator generator = new LoadGenerator(vertx, settings, out, System::nanoTime);
    running.set(generator);
    CountDownLatch reported = new CountDownLatch(1);
    Thread stopper =
        new Thread(
            () -> {
              generator.stop();
              try {
                // Requests in flight end within their timeout; then main prints the table.
                reported.await(settings.requestTimeout().toMillis() + 3_000, TimeUnit.MILLISECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "sluice-demo-loadgen-stop");
    Runtime.getRuntime().addShutdownHook(stopper);
    try {
      LoadReport report = generator.start().await();
      System.out.print(report.table());
      System.out.flush();
      if (!report.meshAnswered()) {
        System.err.println("loadgen: the mesh never answered with an order; is the gateway up?");
      }
      return report.meshAnswered() ? 0 : 1;
    } finally {
      reported.countDown();
      vertx.close();
    }
  }

  private static void exitOnProblems(String command, Flags flags) {
    List<String> problems = flags.problems();
    if (!problems.isEmpty()) {
      System.err.println("sluice-demo " + command + ": invalid arguments:");
      problems.forEach(problem -> System.err.println("  - " + problem));
      System.err.println("run 'java -jar sluice-demo.jar --help' for usage");
      System.exit(2);
    }
  }
}
