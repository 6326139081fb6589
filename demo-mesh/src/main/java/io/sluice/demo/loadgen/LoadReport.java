package io.sluice.demo.loadgen;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What a load run did: counts by outcome, latency percentiles and error kinds.
 *
 * @param url the URL every request went to
 * @param plannedRate the requested rate per second
 * @param elapsed from the first request to the last answer
 * @param confirmed 201 answers
 * @param pending 202 answers (accepted, payment pending)
 * @param rejected 409 answers (out of stock)
 * @param errors other statuses, timeouts and connection failures
 * @param shed due requests not sent because {@code concurrency} requests were in flight
 * @param p50Nanos median latency of answered requests
 * @param p90Nanos 90th percentile
 * @param p99Nanos 99th percentile
 * @param maxNanos the slowest answer
 * @param errorKinds errors by kind ({@code HTTP 503}, {@code timeout}, ...), most frequent first
 */
public record LoadReport(
    String url,
    double plannedRate,
    Duration elapsed,
    long confirmed,
    long pending,
    long rejected,
    long errors,
    long shed,
    long p50Nanos,
    long p90Nanos,
    long p99Nanos,
    long maxNanos,
    List<Map.Entry<String, Long>> errorKinds) {

  static LoadReport of(String url, double plannedRate, Duration elapsed, Tally total) {
    Latencies latencies = total.latencies();
    List<Map.Entry<String, Long>> kinds =
        total.errorKinds().entrySet().stream()
            .sorted(
                Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder())
                    .thenComparing(Map.Entry.comparingByKey()))
            .map(entry -> Map.entry(entry.getKey(), entry.getValue()))
            .collect(Collectors.toUnmodifiableList());
    return new LoadReport(
        url,
        plannedRate,
        elapsed,
        total.count(Outcome.CONFIRMED),
        total.count(Outcome.PENDING),
        total.count(Outcome.REJECTED),
        total.count(Outcome.ERROR),
        total.shedCount(),
        latencies.quantile(0.50),
        latencies.quantile(0.90),
        latencies.quantile(0.99),
        latencies.max(),
        kinds);
  }

  /** Requests that got an answer of any kind, errors included. */
  public long answered() {
    return confirmed + pending + rejected + errors;
  }

  /** Whether the mesh answered at all: at least one confirmed, pending or rejected order. */
  public boolean meshAnswered() {
    return confirmed + pending + rejected > 0;
  }

  /** The final table printed at the end of a run. */
  public String table() {
    double seconds = Math.max(elapsed.toMillis(), 1) / 1000.0;
    long answered = answered();
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            Locale.ROOT,
            "Load generator summary: %d answers from %s in %.1f s (%.1f/s, planned %.1f/s)%n",
            answered,
            url,
            seconds,
            answered / seconds,
            plannedRate));
    out.append(String.format(Locale.ROOT, "  %-10s %9s %8s%n", "outcome", "count", "share"));
    row(out, "confirmed", confirmed, answered);
    row(out, "pending", pending, answered);
    row(out, "rejected", rejected, answered);
    row(out, "errors", errors, answered);
    out.append(String.format(Locale.ROOT, "  %-10s %9d%n", "total", answered));
    if (shed > 0) {
      out.append(
          String.format(
              Locale.ROOT,
              "  %-10s %9d   (not sent: too many requests in flight)%n",
              "shed",
              shed));
    }
    out.append(
        String.format(
            Locale.ROOT,
            "  latency    p50 %s   p90 %s   p99 %s   max %s%n",
            millis(p50Nanos),
            millis(p90Nanos),
            millis(p99Nanos),
            millis(maxNanos)));
    if (!errorKinds.isEmpty()) {
      out.append("  errors by kind:");
      for (Map.Entry<String, Long> kind : errorKinds) {
        out.append(' ').append(kind.getKey()).append(" x").append(kind.getValue()).append(';');
      }
      out.setLength(out.length() - 1);
      out.append(System.lineSeparator());
    }
    return out.toString();
  }

  static String millis(long nanos) {
    return String.format(Locale.ROOT, "%.1f ms", nanos / 1_000_000.0);
  }

  private static void row(StringBuilder out, String name, long count, long total) {
    double share = total == 0 ? 0 : 100.0 * count / total;
    out.append(String.format(Locale.ROOT, "  %-10s %9d %7.1f%%%n", name, count, share));
  }
}
