package io.sluice.demo.loadgen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.demo.Flags;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The load generator against a real HTTP server on loopback that answers like the gateway: every
 * fourth checkout pending, every tenth an error.
 */
class LoadGeneratorTest {
  private static Vertx vertx;
  private static HttpServer gateway;
  private static final AtomicInteger checkouts = new AtomicInteger();

  @BeforeAll
  static void startGateway() throws Exception {
    vertx = Vertx.vertx();
    gateway =
        vertx
            .createHttpServer()
            .requestHandler(
                request -> {
                  int number = checkouts.incrementAndGet();
                  int status =
                      !request.path().equals("/checkout")
                          ? 404
                          : number % 10 == 0 ? 503 : number % 4 == 0 ? 202 : 201;
                  request.response().setStatusCode(status).end("{}");
                })
            .listen(0, "127.0.0.1")
            .await(10, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void sendsTheBoundedNumberOfRequestsAndCountsEveryAnswer() throws Exception {
    checkouts.set(0);
    List<String> lines = new CopyOnWriteArrayList<>();
    LoadSettings settings = settings("--rate", "40", "--duration", "2s", "--max-requests", "20");

    LoadReport report =
        new LoadGenerator(vertx, settings, lines::add, System::nanoTime)
            .start()
            .await(20, TimeUnit.SECONDS);

    assertThat(report.answered()).isEqualTo(20);
    assertThat(checkouts.get()).isEqualTo(20);
    assertThat(report.confirmed()).isEqualTo(14);
    assertThat(report.pending()).isEqualTo(4);
    assertThat(report.errors()).isEqualTo(2);
    assertThat(report.errorKinds()).containsExactly(Map.entry("HTTP 503", 2L));
    assertThat(report.meshAnswered()).isTrue();
    assertThat(report.p50Nanos()).isPositive().isLessThanOrEqualTo(report.p99Nanos());
    assertThat(report.p99Nanos()).isLessThanOrEqualTo(report.maxNanos());
    assertThat(lines.get(0))
        .startsWith(
            "loadgen: POST http://127.0.0.1:" + gateway.actualPort() + "/checkout at 40.0/s");
    assertThat(lines.subList(1, lines.size()))
        .isNotEmpty()
        .allSatisfy(
            line ->
                assertThat(line)
                    .containsPattern(
                        "^\\[ *\\d+s\\] .* req/s \\| confirmed +\\d+ \\| pending +\\d+ \\| rejected"
                            + " +\\d+ \\| errors +\\d+ \\| p50 [\\d.]+ ms \\| p99 [\\d.]+ ms"));
    assertThat(report.table())
        .contains("confirmed         14")
        .contains("pending            4")
        .contains("errors             2")
        .contains("total             20")
        .contains("errors by kind: HTTP 503 x2")
        .containsPattern("latency +p50 [\\d.]+ ms +p90 [\\d.]+ ms +p99 [\\d.]+ ms +max [\\d.]+ ms");
  }

  /**
   * Each line is labelled with its own second. The labels were the elapsed time rounded, so ticks
   * late by half a second (a busy JVM starting, here a clock at half speed) printed the same second
   * twice: "[ 1s]", "[ 1s]", "[ 2s]".
   */
  @Test
  void labelsEachSecondsLineWithItsOwnSecondEvenWhenTicksAreLate() throws Exception {
    List<String> lines = new CopyOnWriteArrayList<>();
    LoadSettings settings = settings("--rate", "5", "--duration", "2s");

    new LoadGenerator(vertx, settings, lines::add, () -> System.nanoTime() / 2)
        .start()
        .await(30, TimeUnit.SECONDS);

    List<String> labels =
        lines.subList(1, lines.size()).stream()
            .map(line -> line.substring(0, line.indexOf(']') + 1))
            .toList();
    assertThat(labels).hasSizeGreaterThanOrEqualTo(3).doesNotHaveDuplicates();
    assertThat(labels.subList(0, 3)).containsExactly("[   1s]", "[   2s]", "[   3s]");
  }

  @Test
  void stopsEarlyWhenAskedAndStillReports() throws Exception {
    LoadGenerator generator =
        new LoadGenerator(
            vertx, settings("--rate", "5", "--duration", "1h"), line -> {}, System::nanoTime);
    var run = generator.start();
    LoadReport report;
    try {
      await().atMost(java.time.Duration.ofSeconds(30)).until(() -> checkouts.get() > 0);
    } finally {
      report = generator.stop().await(30, TimeUnit.SECONDS);
    }

    assertThat(run.isComplete()).isTrue();
    assertThat(report.answered()).isPositive().isLessThan(5 * 60);
  }

  @Test
  void countsConnectionFailuresAsErrorsAndSaysTheMeshNeverAnswered() throws Exception {
    HttpServer closed =
        vertx
            .createHttpServer()
            .requestHandler(r -> {})
            .listen(0, "127.0.0.1")
            .await(10, TimeUnit.SECONDS);
    int port = closed.actualPort();
    closed.close().await(10, TimeUnit.SECONDS);

    LoadReport report =
        new LoadGenerator(
                vertx,
                settings(
                    "--target", "http://127.0.0.1:" + port, "--rate", "10", "--max-requests", "3"),
                line -> {},
                System::nanoTime)
            .start()
            .await(20, TimeUnit.SECONDS);

    assertThat(report.errors()).isEqualTo(3);
    assertThat(report.meshAnswered()).isFalse();
    assertThat(report.errorKinds()).hasSize(1);
  }

  private static LoadSettings settings(String... flags) {
    List<String> all = new ArrayList<>(List.of(flags));
    if (!all.contains("--target")) {
      all.addAll(List.of("--target", "http://127.0.0.1:" + gateway.actualPort()));
    }
    Flags parsed = Flags.parse(all, name -> null);
    LoadSettings settings = LoadSettings.read(parsed);
    assertThat(parsed.problems()).isEmpty();
    return settings;
  }
}
