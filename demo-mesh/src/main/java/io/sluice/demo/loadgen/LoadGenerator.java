package io.sluice.demo.loadgen;

import io.sluice.demo.Flags;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Drives the gateway's {@code POST /checkout} at a fixed rate for a bounded time, printing one
 * summary line per second and returning a {@link LoadReport} at the end.
 *
 * <p>Design: everything runs on one Vert.x event-loop context (the pacing timer, the per-second
 * ticker and every response callback), so the counters need no locks. The pacer runs every 10 ms
 * and sends as many requests as are due since the start ({@code rate × elapsed}), so a late tick
 * catches up instead of drifting. A due request is not sent ("shed") when {@code concurrency}
 * requests are already in flight: a stalled gateway is then visible as shed requests rather than as
 * an unbounded queue. After the duration (or {@code maxRequests}) no request is sent any more and
 * the run ends when the last one in flight is answered or times out.
 */
public final class LoadGenerator {
  private static final List<String> SKUS = List.of("book-1", "book-2", "mug-7", "lamp-3", "pen-9");
  private static final long PACE_MILLIS = 10;
  private static final int LATENCY_SAMPLES = 100_000;

  private final Vertx vertx;
  private final LoadSettings settings;
  private final Consumer<String> out;
  private final LongSupplier nanoTime;
  private final Promise<LoadReport> done = Promise.promise();
  private final Tally second = new Tally(LATENCY_SAMPLES);
  private final Tally total = new Tally(LATENCY_SAMPLES);

  // State below is touched on the generator's context only.
  private Context context;
  private WebClient client;
  private long startNanos;
  private long lastAnswerNanos;
  private long sent;
  private int inFlight;
  private boolean sending;
  private long pacer = -1;
  private long ticker = -1;

  /** The one-second lines printed so far: each line's label, as the clock's rounding repeated. */
  private long secondsPrinted;

  /**
   * @param out receives the per-second lines ({@code System.out::println} in the demo)
   * @param nanoTime a monotonic clock ({@code System::nanoTime})
   */
  public LoadGenerator(
      Vertx vertx, LoadSettings settings, Consumer<String> out, LongSupplier nanoTime) {
    this.vertx = vertx;
    this.settings = settings;
    this.out = out;
    this.nanoTime = nanoTime;
  }

  /** Starts sending; the future completes with the report once the run is over. */
  public Future<LoadReport> start() {
    context = vertx.getOrCreateContext();
    context.runOnContext(ignored -> begin());
    return done.future();
  }

  /**
   * Stops sending early (Ctrl-C); the future of {@link #start()} completes once the requests in
   * flight are answered.
   */
  public Future<LoadReport> stop() {
    if (context != null) {
      context.runOnContext(ignored -> stopSending());
    }
    return done.future();
  }

  private void begin() {
    client =
        WebClient.create(
            vertx,
            new WebClientOptions()
                .setUserAgent("sluice-demo-loadgen")
                .setConnectTimeout((int) settings.requestTimeout().toMillis()),
            new PoolOptions().setHttp1MaxSize(settings.concurrency()));
    startNanos = nanoTime.getAsLong();
    lastAnswerNanos = startNanos;
    sending = true;
    out.accept(
        String.format(
            Locale.ROOT,
            "loadgen: POST %s at %.1f/s for %s (at most %d requests, %d in flight)",
            settings.checkoutUrl(),
            settings.ratePerSecond(),
            Flags.format(settings.duration()),
            settings.maxRequests(),
            settings.concurrency()));
    pace();
    pacer = vertx.setPeriodic(PACE_MILLIS, id -> pace());
    ticker = vertx.setPeriodic(1000, id -> printSecond());
  }

  private void pace() {
    if (!sending) {
      return;
    }
    long elapsed = nanoTime.getAsLong() - startNanos;
    if (elapsed >= settings.duration().toNanos() || sent >= settings.maxRequests()) {
      stopSending();
      return;
    }
    long due =
        Math.min(settings.maxRequests(), 1 + (long) (settings.ratePerSecond() * elapsed / 1e9));
    while (sent < due) {
      sent++;
      if (inFlight >= settings.concurrency()) {
        second.shed();
        total.shed();
      } else {
        send(sent);
      }
    }
  }

  private void send(long number) {
    inFlight++;
    long begin = nanoTime.getAsLong();
    JsonObject order =
        new JsonObject()
            .put("sku", SKUS.get((int) (number % SKUS.size())))
            .put("quantity", 1 + (int) (number % 3));
    Future<HttpResponse<Buffer>> answer;
    try {
      answer =
          client
              .postAbs(settings.checkoutUrl())
              .timeout(settings.requestTimeout().toMillis())
              .sendJsonObject(order);
    } catch (RuntimeException refused) {
      answer = Future.failedFuture(refused);
    }
    answer.onComplete(
        result -> {
          inFlight--;
          long now = nanoTime.getAsLong();
          lastAnswerNanos = now;
          Outcome outcome;
          String errorKind;
          if (result.succeeded()) {
            outcome = Outcome.ofStatus(result.result().statusCode());
            errorKind = "HTTP " + result.result().statusCode();
          } else {
            outcome = Outcome.ERROR;
            errorKind = errorKind(result.cause());
          }
          second.record(outcome, now - begin, errorKind);
          total.record(outcome, now - begin, errorKind);
          if (!sending && inFlight == 0) {
            finish();
          }
        });
  }

  private void stopSending() {
    if (!sending && pacer == -1) {
      return;
    }
    sending = false;
    vertx.cancelTimer(pacer);
    pacer = -1;
    if (inFlight == 0) {
      finish();
    }
  }

  private void finish() {
    if (done.future().isComplete()) {
      return;
    }
    vertx.cancelTimer(ticker);
    if (second.answered() > 0) {
      printSecond();
    }
    client.close();
    Duration elapsed = Duration.ofNanos(lastAnswerNanos - startNanos);
    done.complete(LoadReport.of(settings.checkoutUrl(), settings.ratePerSecond(), elapsed, total));
  }

  private void printSecond() {
    // The n-th line is the n-th second: the elapsed time rounded labelled a late first tick and
    // the next one alike ("[   2s]" twice as a busy JVM starts)
    long seconds = ++secondsPrinted;
    Latencies latencies = second.latencies();
    out.accept(
        String.format(
            Locale.ROOT,
            "[%4ds] %6.1f req/s | confirmed %4d | pending %4d | rejected %3d | errors %4d |"
                + " p50 %s | p99 %s | in flight %d%s",
            seconds,
            (double) second.answered(),
            second.count(Outcome.CONFIRMED),
            second.count(Outcome.PENDING),
            second.count(Outcome.REJECTED),
            second.count(Outcome.ERROR),
            LoadReport.millis(latencies.quantile(0.50)),
            LoadReport.millis(latencies.quantile(0.99)),
            inFlight,
            second.shedCount() > 0 ? " | shed " + second.shedCount() : ""));
    second.clear();
  }

  private static String errorKind(Throwable failure) {
    if (failure instanceof TimeoutException) {
      return "timeout";
    }
    String message = failure.getMessage();
    return failure.getClass().getSimpleName()
        + (message == null ? "" : ": " + message.lines().findFirst().orElse(""));
  }
}
