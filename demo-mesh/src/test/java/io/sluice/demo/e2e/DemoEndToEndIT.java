package io.sluice.demo.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.demo.RunningDemo;
import io.sluice.testing.otlp.OtlpReceiver;
import io.sluice.testing.otlp.OtlpReceiver.ReceivedSpan;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The local demo end to end, as a newcomer runs it: {@code ./demo.sh} starts etcd, the control
 * plane, the four services with the Sluice agent and the load generator; the test then follows the
 * README's scenario through the REST API and the services' own endpoints. The agents export to an
 * in-test OTLP/HTTP receiver ({@code OTEL_EXPORTER_OTLP_ENDPOINT}, which demo.sh honours) and
 * capture the trace headers each service received as span attributes, so the test sees both what
 * was exported and what travelled on the wire.
 *
 * <p>One demo for the class (each agent JVM takes seconds to start); the tests run in a fixed order
 * but each restores what it changed. {@link #stopDemo()} stops everything with Ctrl-C, as a user
 * does, and checks that no process demo.sh started is left, even when a test failed.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DemoEndToEndIT {

  private static final Path MODULE = Path.of("").toAbsolutePath();
  private static final Path ROOT = MODULE.getParent();
  private static final List<String> SERVICES =
      List.of("gateway", "orders", "payments", "inventory");
  private static final HttpClient HTTP =
      // The JDK client's default: HTTP/2 asked for with an h2c upgrade, which the demo services
      // decline (see DemoService), so the gateway's SERVER span is ended and exported.
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Path AGENT_COPY = MODULE.resolve("target/agent-under-test/sluice-agent.jar");

  private static OtlpReceiver receiver;
  private static RunningDemo demo;
  private static String controlPlane;
  private static String token;

  @BeforeAll
  static void startDemo() throws Exception {
    for (String jar :
        List.of(
            "demo-mesh/target/sluice-demo.jar",
            "javaagent-extension/target/sluice-javaagent.jar",
            "control-plane/target/sluice-control-plane.jar")) {
      assertThat(ROOT.resolve(jar))
          .as("%s must be built before this test (the reactor builds it first)", jar)
          .isRegularFile();
    }
    // The agent jar as SLUICE_AGENT_JAR names it: a copy elsewhere, given relative to the module
    // directory demo.sh is started from (demo.sh resolves it against where its caller stands)
    Files.createDirectories(AGENT_COPY.getParent());
    Files.copy(
        ROOT.resolve("javaagent-extension/target/sluice-javaagent.jar"),
        AGENT_COPY,
        StandardCopyOption.REPLACE_EXISTING);
    receiver = OtlpReceiver.start();
    long started = System.nanoTime();
    demo =
        RunningDemo.startFrom(
            ROOT,
            MODULE,
            Map.of(
                "SLUICE_AGENT_JAR", MODULE.relativize(AGENT_COPY).toString(),
                "OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint(),
                "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf",
                // A loaded 2-core build machine may need more than demo.sh's default 120 s.
                "SLUICE_DEMO_READY_TIMEOUT", "400",
                // Export every 200 ms instead of every 5 s: the windows below stay short.
                "OTEL_BSP_SCHEDULE_DELAY", "200",
                // The trace headers each service received, as span attributes.
                "OTEL_INSTRUMENTATION_HTTP_SERVER_CAPTURE_REQUEST_HEADERS",
                    "traceparent,x-b3-traceid,x-b3-spanid,x-b3-sampled,x-request-id"),
            "--duration",
            "10m",
            "--rate",
            "8");
    await("demo.sh up (UI, agents, warm-up orders)")
        .atMost(Duration.ofMinutes(8))
        .pollInterval(Duration.ofMillis(500))
        .failFast("demo.sh exited:\n" + "(see output)", () -> !demo.isAlive())
        .until(demo::isRunning);
    controlPlane = demo.controlPlaneUrl();
    token = demo.adminToken();
    System.out.printf(
        "demo.sh ready after %.1f s; control plane %s, logs %s%n",
        (System.nanoTime() - started) / 1e9, controlPlane, demo.logDir());
    await("all four agents listed by the control plane")
        .atMost(Duration.ofSeconds(60))
        .until(() -> SERVICES.stream().allMatch(service -> !agents(service).isEmpty()));
  }

  @AfterAll
  static void stopDemo() throws Exception {
    try {
      if (demo != null) {
        List<String> started = demo.startedProcesses();
        boolean endedOnCtrlC = demo.stop(Duration.ofSeconds(120));
        System.out.println(demo.outputText());
        assertThat(endedOnCtrlC).as("demo.sh ends on Ctrl-C").isTrue();
        assertThat(demo.outputText())
            .contains("Load generator summary")
            .contains("demo.sh: everything stopped");
        assertThat(started)
            .extracting(line -> line.split(" ")[1])
            .containsExactly(
                "etcd", "control-plane", "payments", "inventory", "orders", "gateway", "loadgen");
        for (String line : started) {
          assertThat(RunningDemo.isStillRunning(line)).as(line + " is still running").isFalse();
        }
      }
    } finally {
      if (receiver != null) {
        receiver.close();
      }
    }
  }

  @Test
  @Order(0)
  void everyServiceRunsTheAgentJarThatSluiceAgentJarNames() throws IOException {
    List<String> services =
        demo.startedProcesses().stream().filter(line -> SERVICES.contains(name(line))).toList();
    assertThat(services).extracting(DemoEndToEndIT::name).hasSameElementsAs(SERVICES);
    // demo.sh runs its own copy of it, under its name, so a rebuild cannot change it under the JVMs
    Path attached = demo.logDir().resolve("jars/agent/" + AGENT_COPY.getFileName());
    assertThat(Files.mismatch(attached, AGENT_COPY))
        .as("%s is a copy of it", attached)
        .isEqualTo(-1);
    for (String line : services) {
      ProcessHandle process = ProcessHandle.of(Long.parseLong(line.split(" ")[0])).orElseThrow();
      assertThat(process.info().arguments().map(List::of).orElse(List.of()))
          .as("the JVM of %s", line)
          .contains("-javaagent:" + attached);
    }
  }

  private static String name(String pidLine) {
    return pidLine.split(" ")[1];
  }

  @Test
  @Order(1)
  void aRequestFromAnEnvoySidecarKeepsItsTraceIdInW3cAndB3AcrossTheWholeChain() throws Exception {
    String traceId = hex(16);
    String envoySpanId = hex(8);
    HttpRequest checkout =
        HttpRequest.newBuilder(URI.create(demo.serviceUrl("gateway") + "/checkout"))
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json")
            // What Envoy's ingress listener adds in Zipkin tracing mode (128-bit trace ids).
            .header("x-request-id", UUID.randomUUID().toString())
            .header("x-b3-traceid", traceId)
            .header("x-b3-spanid", envoySpanId)
            .header("x-b3-parentspanid", hex(8))
            .header("x-b3-sampled", "1")
            .header("x-forwarded-proto", "http")
            .header("x-envoy-expected-rq-timeout-ms", "15000")
            .header("x-envoy-internal", "true")
            .POST(HttpRequest.BodyPublishers.ofString("{\"sku\": \"book-1\"}"))
            .build();
    HttpResponse<String> answer = HTTP.send(checkout, HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(201);

    long start = System.nanoTime();
    await("gateway's call to orders, orders' and inventory's server spans in trace " + traceId)
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(clientSpan(traceId, "gateway"))
                    .as(
                        "spans of the trace: %s%nlatest spans of gateway: %s",
                        receiver.spans(span -> span.traceId().equals(traceId)),
                        latest("gateway", 4))
                    .isNotNull()
                    .satisfies(
                        any -> {
                          assertThat(serverSpan(traceId, "gateway")).isNotNull();
                          assertThat(serverSpan(traceId, "orders")).isNotNull();
                          assertThat(serverSpan(traceId, "inventory")).isNotNull();
                        }));
    System.out.printf(
        "trace at the receiver after %.1f s: %s%n",
        (System.nanoTime() - start) / 1e9, receiver.spans(span -> span.traceId().equals(traceId)));

    // The gateway continued Envoy's B3 trace; what orders and, one hop further, inventory received
    // carries that trace id twice: W3C traceparent and B3 multi, naming the same parent span.
    Pattern traceparent = Pattern.compile("00-" + traceId + "-([0-9a-f]{16})-01");
    for (String service : List.of("orders", "inventory")) {
      ReceivedSpan server = serverSpan(traceId, service);
      String w3c = server.requestHeader("traceparent");
      assertThat(w3c).as(service + " received W3C: " + server).isNotNull().matches(traceparent);
      assertThat(server.requestHeader("x-b3-traceid"))
          .as(service + " received B3: " + server)
          .isEqualTo(traceId);
      assertThat(server.requestHeader("x-b3-sampled")).as(server.toString()).isEqualTo("1");
      assertThat(server.name())
          .as("one route, named once")
          .isEqualTo(service.equals("orders") ? "POST /orders" : "GET /stock/:sku");
      Matcher parent = traceparent.matcher(w3c);
      assertThat(parent.matches()).isTrue();
      assertThat(server.requestHeader("x-b3-spanid"))
          .as("W3C and B3 name the same parent span: " + server)
          .isEqualTo(parent.group(1))
          .isEqualTo(server.parentSpanId());
    }
    assertThat(serverSpan(traceId, "orders").parentSpanId())
        .as("orders' parent is the gateway's call")
        .isEqualTo(clientSpan(traceId, "gateway").spanId());
    assertThat(serverSpan(traceId, "gateway").parentSpanId())
        .as("the gateway's request span continues Envoy's")
        .isEqualTo(envoySpanId);
    assertThat(clientSpan(traceId, "gateway").parentSpanId())
        .as("the gateway's call is a child of its request span")
        .isEqualTo(serverSpan(traceId, "gateway").spanId());
  }

  @Test
  @Order(2)
  void aBreakerOnOrdersOpensWhenPaymentsFailsTheGatewayDegradesAndItClosesAfterRecovery()
      throws Exception {
    String payments = demo.serviceUrl("payments");
    String rules =
        """
        {"schemaVersion": 1, "service": "orders",
         "sampling": {"defaultRatio": 1.0},
         "breakers": [{"name": "payments", "match": {"method": "POST", "path": "/pay/**"},
           "failureRateThreshold": 50, "slidingWindow": {"type": "COUNT", "size": 20},
           "minimumCalls": 10, "waitInOpenState": "5s", "halfOpenCalls": 3,
           "failureStatusCodes": ["5xx"], "onOpen": {"mode": "error"}}]}
        """;
    long revision = putRules("orders", rules);
    awaitApplied("orders", revision);
    try {
      assertThat(send("POST", payments + "/admin/faults", "{\"errorRate\": 1.0}").statusCode())
          .isEqualTo(200);
      int linesBefore = demo.loadLines().size();

      long start = System.nanoTime();
      await("orders' breaker for payments OPEN in the agent status")
          .atMost(Duration.ofSeconds(60))
          .until(() -> breakerStates().contains("OPEN"));
      System.out.printf("breaker OPEN after %.1f s%n", (System.nanoTime() - start) / 1e9);

      List<JsonObject> answers = new ArrayList<>();
      await("a checkout accepted as pending because the breaker rejected the payment")
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> {
                HttpResponse<String> answer = checkout();
                JsonObject body = new JsonObject(answer.body());
                answers.add(body.put("httpStatus", answer.statusCode()));
                return answer.statusCode() == 202 && body.getBoolean("rejectedByBreaker", false);
              });
      assertThat(answers)
          .as("the gateway degrades (202 pending), never fails, while payments fails")
          .allSatisfy(
              body -> {
                assertThat(body.getInteger("httpStatus")).isEqualTo(202);
                assertThat(body.getString("status")).isEqualTo("pending");
              });
      // The load generator prints once a second, so its line with pending orders may still be
      // on its way when the test's own checkout already came back pending.
      await("the load generator sees pending orders")
          .atMost(Duration.ofSeconds(30))
          .until(() -> pendingSince(linesBefore) > 0);

      // The same breaker answering a synthetic 503 instead (retuned, it stays OPEN): orders' Vert.x
      // WebClient reads it as a response, and orders still degrades to pending.
      awaitApplied(
          "orders",
          putRules("orders", rules.replace("{\"mode\": \"error\"}", "{\"mode\": \"response\"}")));
      await("a checkout pending because the breaker answered a synthetic 503")
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> {
                HttpResponse<String> answer = checkout();
                JsonObject body = new JsonObject(answer.body());
                assertThat(answer.statusCode()).as(answer.body()).isEqualTo(202);
                return body.getBoolean("rejectedByBreaker", false)
                    && body.getString("reason", "").contains("(HTTP 503)");
              });

      assertThat(send("DELETE", payments + "/admin/faults", null).statusCode()).isEqualTo(200);
      start = System.nanoTime();
      await("the breaker CLOSED again after payments healed")
          .atMost(Duration.ofSeconds(90))
          .until(() -> breakerStates().equals(List.of("CLOSED")));
      System.out.printf("breaker CLOSED after %.1f s%n", (System.nanoTime() - start) / 1e9);
      await("orders confirmed again")
          .atMost(Duration.ofSeconds(30))
          .until(() -> checkout().statusCode() == 201);
    } finally {
      send("DELETE", payments + "/admin/faults", null);
    }
  }

  @Test
  @Order(3)
  void aSamplingChangeOnTheGatewayChangesTheExportedSpansLive() throws Exception {
    try {
      long sampled = applyGatewayRatio("1.0");
      await("gateway spans exported at ratio 1.0")
          .atMost(Duration.ofSeconds(30))
          .until(() -> gatewaySpansStartedAfter(sampled) >= 10);

      long dropped = applyGatewayRatio("0.0");
      int linesBefore = demo.loadLines().size();
      // Spans are decided when they start: nothing the gateway starts once the rule is applied
      // may be exported, neither the test's own orders nor the load generator's.
      for (int i = 0; i < 8; i++) {
        HttpResponse<String> answer = checkout();
        assertThat(answer.statusCode()).as("order %d: %s", i, answer.body()).isIn(201, 202);
      }
      // Then one whose caller sampled its trace, which the gateway follows
      // (respectParentDecision): once its span is in, so is every gateway span that ended before
      // it, as the agent exports its spans in the order they ended.
      String probe = hex(16);
      HttpResponse<String> probed =
          HTTP.send(
              HttpRequest.newBuilder(URI.create(demo.serviceUrl("gateway") + "/checkout"))
                  .timeout(Duration.ofSeconds(30))
                  .header("Content-Type", "application/json")
                  .header("traceparent", "00-" + probe + "-" + hex(8) + "-01")
                  .POST(HttpRequest.BodyPublishers.ofString("{\"sku\": \"book-1\"}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(probed.statusCode()).as(probed.body()).isIn(201, 202);
      await("the gateway span of the order in a sampled trace is exported")
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  receiver.count(
                          span ->
                              span.traceId().equals(probe)
                                  && "gateway".equals(span.service())
                                  && span.kind() == ReceivedSpan.KIND_SERVER)
                      > 0);
      assertThat(
              receiver.spans(
                  span ->
                      "gateway".equals(span.service())
                          && span.kind() == ReceivedSpan.KIND_SERVER
                          && span.startEpochNanos() > dropped
                          && !span.traceId().equals(probe)))
          .as("gateway spans started at ratio 0.0")
          .isEmpty();
      await("orders kept flowing meanwhile")
          .atMost(Duration.ofSeconds(30))
          .until(() -> answeredSince(linesBefore) > 0);
      System.out.printf(
          "after ratio 0.0: gateway %d (the order in a sampled trace's included), orders %d spans"
              + " started after the change%n",
          gatewaySpansStartedAfter(dropped),
          receiver.count(
              span -> span.service().equals("orders") && span.startEpochNanos() > dropped));

      long back = applyGatewayRatio("1.0");
      await("gateway spans exported again at ratio 1.0")
          .atMost(Duration.ofSeconds(30))
          .until(() -> gatewaySpansStartedAfter(back) >= 10);
    } finally {
      send("DELETE", controlPlane + "/api/v1/services/gateway/rules", null);
    }
  }

  /** Applies a gateway rule; answers the wall-clock time (epoch ns) from which it is in force. */
  private static long applyGatewayRatio(String ratio) throws Exception {
    long revision =
        putRules(
            "gateway",
            """
            {"schemaVersion": 1, "service": "gateway",
             "sampling": {"defaultRatio": %s, "respectParentDecision": true}}
            """
                .formatted(ratio));
    awaitApplied("gateway", revision);
    // The status is written after the rules are swapped in; a small margin for clock reads.
    return System.currentTimeMillis() * 1_000_000L + 100_000_000L;
  }

  private static long gatewaySpansStartedAfter(long epochNanos) {
    return receiver.count(
        span ->
            "gateway".equals(span.service())
                && span.kind() == ReceivedSpan.KIND_SERVER
                && span.startEpochNanos() > epochNanos);
  }

  private static List<ReceivedSpan> latest(String service, int count) {
    List<ReceivedSpan> spans = receiver.spans(span -> service.equals(span.service()));
    return spans.subList(Math.max(0, spans.size() - count), spans.size());
  }

  private static ReceivedSpan clientSpan(String traceId, String service) {
    return receiver
        .spans(
            span ->
                span.traceId().equals(traceId)
                    && service.equals(span.service())
                    && span.kind() == ReceivedSpan.KIND_CLIENT)
        .stream()
        .findFirst()
        .orElse(null);
  }

  private static ReceivedSpan serverSpan(String traceId, String service) {
    return receiver
        .spans(
            span ->
                span.traceId().equals(traceId)
                    && service.equals(span.service())
                    && span.kind() == ReceivedSpan.KIND_SERVER)
        .stream()
        .findFirst()
        .orElse(null);
  }

  private static long putRules(String service, String document) throws Exception {
    HttpResponse<String> answer =
        send("PUT", controlPlane + "/api/v1/services/" + service + "/rules", document);
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    return new JsonObject(answer.body()).getLong("revision");
  }

  private static void awaitApplied(String service, long revision) {
    long start = System.nanoTime();
    await(service + "'s agent applied revision " + revision)
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                agents(service).stream()
                        .allMatch(agent -> agent.getLong("appliedRevision", 0L) >= revision)
                    && !agents(service).isEmpty());
    System.out.printf(
        "%s applied revision %d after %.2f s%n",
        service, revision, (System.nanoTime() - start) / 1e9);
  }

  private static List<String> breakerStates() throws Exception {
    List<String> states = new ArrayList<>();
    for (JsonObject agent : agents("orders")) {
      JsonArray breakers = agent.getJsonArray("breakers", new JsonArray());
      for (int i = 0; i < breakers.size(); i++) {
        JsonObject breaker = breakers.getJsonObject(i);
        if ("payments".equals(breaker.getString("policy"))) {
          states.add(breaker.getString("state"));
        }
      }
    }
    return states;
  }

  private static List<JsonObject> agents(String service) {
    HttpResponse<String> answer;
    try {
      answer = send("GET", controlPlane + "/api/v1/agents?service=" + service, null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    JsonArray agents = new JsonArray(answer.body());
    List<JsonObject> out = new ArrayList<>();
    for (int i = 0; i < agents.size(); i++) {
      out.add(agents.getJsonObject(i));
    }
    return out;
  }

  private static HttpResponse<String> checkout() throws Exception {
    return send("POST", demo.serviceUrl("gateway") + "/checkout", "{\"sku\": \"book-1\"}");
  }

  private static HttpResponse<String> send(String method, String url, String body)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(30))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    if (url.startsWith(controlPlane == null ? "\0" : controlPlane)) {
      request.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Pending orders in the load generator's lines printed after the first {@code from}. */
  private static long pendingSince(int from) {
    return column(from, "pending");
  }

  private static long answeredSince(int from) {
    return column(from, "confirmed") + column(from, "pending") + column(from, "rejected");
  }

  private static long column(int from, String name) {
    Pattern value = Pattern.compile(name + " +(\\d+)");
    List<String> lines = demo.loadLines();
    long sum = 0;
    for (String line : lines.subList(Math.min(from, lines.size()), lines.size())) {
      Matcher matcher = value.matcher(line);
      if (matcher.find()) {
        sum += Long.parseLong(matcher.group(1));
      }
    }
    return sum;
  }

  private static String hex(int bytes) {
    byte[] random = new byte[bytes];
    RANDOM.nextBytes(random);
    random[0] |= 1; // never all zero (invalid)
    return HexFormat.of().formatHex(random);
  }

  static {
    // Fail early and clearly when the test runs from somewhere else than demo-mesh/.
    if (!Files.isRegularFile(ROOT.resolve("demo.sh"))) {
      throw new IllegalStateException("run from demo-mesh/: no demo.sh in " + ROOT);
    }
  }
}
