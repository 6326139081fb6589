package io.sluice.javaagent.it;

/** Rule documents the integration tests write to etcd. */
final class Rules {

  private Rules() {}

  /** A document keeping every trace, with the given breaker policies (JSON objects). */
  static String document(String service, String... breakers) {
    return sampling(service, 1.0, "[]", breakers);
  }

  /** A document with a default ratio, sampling rules and breaker policies. */
  static String sampling(String service, double defaultRatio, String rules, String... breakers) {
    return "{\"schemaVersion\":1,\"service\":\""
        + service
        + "\",\"sampling\":{\"defaultRatio\":"
        + defaultRatio
        + ",\"respectParentDecision\":true,\"rules\":"
        + rules
        + "},\"breakers\":["
        + String.join(",", breakers)
        + "]}";
  }

  /**
   * A rule-scoped breaker on {@code 127.0.0.1:port} and {@code pathGlob}: opens after 4 calls with
   * at least half failing (5xx), stays open {@code wait}, then lets one trial call through.
   */
  static String breaker(
      String name, int port, String pathGlob, String wait, String onOpen, boolean shadow) {
    return breaker(name, port, pathGlob, wait, onOpen, shadow, "[\"5xx\"]");
  }

  /** As {@link #breaker}, with the policy's {@code failureStatusCodes} (a JSON array). */
  static String breaker(
      String name,
      int port,
      String pathGlob,
      String wait,
      String onOpen,
      boolean shadow,
      String failureStatusCodes) {
    return breaker(name, port, pathGlob, wait, onOpen, shadow, failureStatusCodes, 4);
  }

  /**
   * As {@link #breaker}, opening after {@code calls} calls (its window and minimum) with at least
   * half failing: for scenarios whose every call takes long, such as calls that time out.
   */
  static String breakerOpeningAfter(
      int calls, String name, int port, String pathGlob, String wait, String onOpen) {
    return breaker(name, port, pathGlob, wait, onOpen, false, "[\"5xx\"]", calls);
  }

  private static String breaker(
      String name,
      int port,
      String pathGlob,
      String wait,
      String onOpen,
      boolean shadow,
      String failureStatusCodes,
      int calls) {
    return "{\"name\":\""
        + name
        + "\",\"match\":{\"host\":\"127.0.0.1\",\"port\":"
        + port
        + ",\"path\":\""
        + pathGlob
        + "\"},\"scope\":\"rule\",\"failureRateThreshold\":50,"
        + "\"slidingWindow\":{\"type\":\"COUNT\",\"size\":"
        + calls
        + "},\"minimumCalls\":"
        + calls
        + ",\"waitInOpenState\":\""
        + wait
        + "\",\"halfOpenCalls\":1,\"failureStatusCodes\":"
        + failureStatusCodes
        + ",\"onOpen\":"
        + onOpen
        + ",\"shadow\":"
        + shadow
        + "}";
  }

  /**
   * As {@link #breaker} in mode {@code error}, for calls with the HTTP method {@code method} only.
   */
  static String breakerForMethod(String method, String name, int port, String pathGlob) {
    return breaker(name, port, pathGlob, "120s", ERROR, false)
        .replace("\"match\":{", "\"match\":{\"method\":\"" + method + "\",");
  }

  /**
   * A breaker per target ({@code host:port}) on calls to {@code hostGlob}, {@code port} and {@code
   * pathGlob}: opens after 4 calls with at least half failing (5xx), stays open 120 s, fails
   * rejected calls ({@code onOpen.mode: error}).
   */
  static String targetBreaker(String name, String hostGlob, int port, String pathGlob) {
    return "{\"name\":\""
        + name
        + "\",\"match\":{\"host\":\""
        + hostGlob
        + "\",\"port\":"
        + port
        + ",\"path\":\""
        + pathGlob
        + "\"},\"failureRateThreshold\":50,"
        + "\"slidingWindow\":{\"type\":\"COUNT\",\"size\":4},\"minimumCalls\":4,"
        + "\"waitInOpenState\":\"120s\",\"halfOpenCalls\":1,\"failureStatusCodes\":[\"5xx\"],"
        + "\"onOpen\":"
        + ERROR
        + "}";
  }

  /**
   * A rule-scoped breaker on {@code 127.0.0.1:port} and {@code pathGlob} that opens after 4 calls
   * with at least half slower than 100 ms (or failing, 5xx), stays open 120 s, and fails rejected
   * calls.
   */
  static String slowBreaker(String name, int port, String pathGlob) {
    return slowBreaker(name, port, pathGlob, "100ms");
  }

  /**
   * As {@link #slowBreaker(String, int, String)}, with calls slow past {@code slowCallDuration}.
   */
  static String slowBreaker(String name, int port, String pathGlob, String slowCallDuration) {
    return "{\"name\":\""
        + name
        + "\",\"match\":{\"host\":\"127.0.0.1\",\"port\":"
        + port
        + ",\"path\":\""
        + pathGlob
        + "\"},\"scope\":\"rule\",\"failureRateThreshold\":50,"
        + "\"slowCallRateThreshold\":50,\"slowCallDuration\":\""
        + slowCallDuration
        + "\","
        + "\"slidingWindow\":{\"type\":\"COUNT\",\"size\":4},\"minimumCalls\":4,"
        + "\"waitInOpenState\":\"120s\",\"halfOpenCalls\":1,\"failureStatusCodes\":[\"5xx\"],"
        + "\"onOpen\":"
        + ERROR
        + "}";
  }

  static final String ERROR = "{\"mode\":\"error\"}";
  static final String RESPONSE =
      "{\"mode\":\"response\",\"status\":503,\"headers\":{\"X-Sluice\":\"open\"},"
          + "\"body\":\"fallback\"}";

  /** As {@link #RESPONSE}, with a {@code Content-Type} of {@code application/json}. */
  static final String RESPONSE_JSON =
      "{\"mode\":\"response\",\"status\":503,"
          + "\"headers\":{\"Content-Type\":\"application/json\"},"
          + "\"body\":\"{\\\"open\\\":true}\"}";
}
