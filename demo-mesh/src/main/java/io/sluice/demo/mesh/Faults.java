package io.sluice.demo.mesh;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * The failures a service injects into its own answers: a share of requests answered with an error
 * status, and latency added to every answer.
 *
 * @param errorRate share of requests answered with {@code errorStatus}, in {@code [0, 1]}
 * @param latencyMs milliseconds added before every answer, in {@code [0, 60000]}
 * @param errorStatus the status of an injected error, a 5xx
 */
public record Faults(double errorRate, long latencyMs, int errorStatus) {
  /** No injected failures. */
  public static final Faults NONE = new Faults(0, 0, 500);

  static final long MAX_LATENCY_MS = 60_000;

  /** Rejects values outside their ranges; {@link #parse} reports them instead. */
  public Faults {
    List<String> problems = problems(errorRate, latencyMs, errorStatus);
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", problems));
    }
  }

  /**
   * Reads {@code {"errorRate": 0.5, "latencyMs": 200, "errorStatus": 503}}; absent fields are zero
   * (status 500).
   *
   * @return the faults, or every problem found with its JSON path
   */
  static Parsed parse(JsonObject json) {
    List<String> problems = new ArrayList<>();
    for (String field : json.fieldNames()) {
      if (!List.of("errorRate", "latencyMs", "errorStatus").contains(field)) {
        problems.add("$." + field + ": unknown field (known: errorRate, latencyMs, errorStatus)");
      }
    }
    Number errorRate = number(json, "errorRate", 0, problems);
    Number latencyMs = whole(json, "latencyMs", 0, problems);
    Number errorStatus = whole(json, "errorStatus", 500, problems);
    // Range problems of the fields that are numbers, beside the type problems of the others.
    problems.addAll(
        problems(
            errorRate == null ? 0 : errorRate.doubleValue(),
            latencyMs == null ? 0 : latencyMs.longValue(),
            errorStatus == null ? 500 : errorStatus.intValue()));
    if (!problems.isEmpty()) {
      return new Parsed(null, List.copyOf(problems));
    }
    return new Parsed(
        new Faults(errorRate.doubleValue(), latencyMs.longValue(), errorStatus.intValue()),
        List.of());
  }

  /** The JSON the admin endpoint answers. */
  JsonObject toJson() {
    return new JsonObject()
        .put("errorRate", errorRate)
        .put("latencyMs", latencyMs)
        .put("errorStatus", errorStatus);
  }

  /** The number in {@code field}, {@code absent} when missing, {@code null} when not a number. */
  private static Number number(JsonObject json, String field, Number absent, List<String> out) {
    Object value = json.getValue(field);
    if (value == null) {
      return absent;
    }
    if (value instanceof Number number) {
      return number;
    }
    out.add("$." + field + ": must be a number, was " + value);
    return null;
  }

  private static Number whole(JsonObject json, String field, Number absent, List<String> out) {
    Number value = number(json, field, absent, out);
    if (value != null && value.doubleValue() != Math.rint(value.doubleValue())) {
      out.add("$." + field + ": must be a whole number, was " + value);
      return null;
    }
    return value;
  }

  private static List<String> problems(double errorRate, long latencyMs, int errorStatus) {
    List<String> problems = new ArrayList<>();
    if (!(errorRate >= 0 && errorRate <= 1)) {
      problems.add("$.errorRate: must be between 0 and 1, was " + errorRate);
    }
    if (latencyMs < 0 || latencyMs > MAX_LATENCY_MS) {
      problems.add("$.latencyMs: must be between 0 and " + MAX_LATENCY_MS + ", was " + latencyMs);
    }
    if (errorStatus < 500 || errorStatus > 599) {
      problems.add("$.errorStatus: must be a 5xx status, was " + errorStatus);
    }
    return problems;
  }

  /** The result of {@link #parse}: faults, or the problems that prevented them. */
  record Parsed(Faults faults, List<String> problems) {}
}
