package io.sluice.demo.loadgen;

import io.sluice.demo.Flags;
import java.net.URI;
import java.time.Duration;

/**
 * What the load generator does, read from flags or {@code DEMO_*} variables. It is bounded in every
 * dimension: rate, duration, number of requests and requests in flight.
 *
 * <p>Flags: {@code --target} [DEMO_TARGET] http://127.0.0.1:8080 (the gateway; the only host it
 * ever calls), {@code --rate} 10 requests per second (max 1000), {@code --duration} 60s (max 24h),
 * {@code --max-requests} rate × duration, {@code --concurrency} 64 requests in flight at most,
 * {@code --timeout} 5s per request.
 *
 * @param target the gateway's base URL; requests go to {@code target + "/checkout"}
 * @param ratePerSecond requests started per second
 * @param duration how long to send
 * @param maxRequests how many requests to send at most
 * @param concurrency how many requests may be in flight; a due request beyond is not sent (shed)
 * @param requestTimeout how long one request may take
 */
public record LoadSettings(
    URI target,
    double ratePerSecond,
    Duration duration,
    long maxRequests,
    int concurrency,
    Duration requestTimeout) {
  static final double MAX_RATE = 1000;
  static final Duration MAX_DURATION = Duration.ofHours(24);

  /** Reads the settings; problems are collected in {@code flags}. */
  public static LoadSettings read(Flags flags) {
    URI target = flags.url("target", "http://127.0.0.1:8080");
    double rate = flags.decimal("rate", 10, 0.1, MAX_RATE);
    Duration duration =
        flags.duration("duration", Duration.ofSeconds(60), Duration.ofSeconds(1), MAX_DURATION);
    long planned = (long) Math.ceil(rate * duration.toMillis() / 1000.0);
    long maxRequests =
        flags.integer(
            "max-requests", (int) Math.min(planned, Integer.MAX_VALUE), 1, Integer.MAX_VALUE);
    int concurrency = flags.integer("concurrency", 64, 1, 1000);
    Duration timeout =
        flags.duration(
            "timeout", Duration.ofSeconds(5), Duration.ofMillis(10), Duration.ofMinutes(1));
    return new LoadSettings(target, rate, duration, maxRequests, concurrency, timeout);
  }

  /** The URL every request goes to. */
  String checkoutUrl() {
    return target + "/checkout";
  }
}
