package io.sluice.demo.mesh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.demo.Flags;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The four services, started in process on free loopback ports exactly as the jar starts them
 * (settings read from flags), called over real HTTP: the call chain, fault injection and the
 * gateway's graceful degradation. No agent here; the breaker's part is simulated by a stub that
 * answers like the agent's synthetic response.
 */
class ServiceChainTest {
  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private static Vertx vertx;
  private static DemoService payments;
  private static DemoService inventory;
  private static DemoService orders;
  private static DemoService gateway;

  @BeforeAll
  static void startMesh() throws Exception {
    vertx = Vertx.vertx();
    payments = start(ServiceKind.PAYMENTS, "--port", "0");
    inventory = start(ServiceKind.INVENTORY, "--port", "0");
    orders =
        start(
            ServiceKind.ORDERS,
            "--port",
            "0",
            "--payments-url",
            url(payments),
            "--inventory-url",
            url(inventory),
            "--timeout",
            "2s");
    gateway = start(ServiceKind.GATEWAY, "--port", "0", "--orders-url", url(orders));
    // The first calls of cold JVM paths (connections, JSON) can take longer than the timeout on a
    // loaded machine; the tests assert on warm calls.
    await("the mesh confirms a first order")
        .atMost(Duration.ofSeconds(60))
        .until(() -> checkout("{\"sku\":\"book-1\"}").statusCode() == 201);
  }

  @AfterEach
  void clearFaults() throws Exception {
    send("DELETE", url(payments) + "/admin/faults", null);
    send("DELETE", url(inventory) + "/admin/faults", null);
  }

  @AfterAll
  static void stopMesh() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void confirmsAnOrderThroughGatewayOrdersInventoryAndPayments() throws Exception {
    HttpResponse<String> response = checkout("{\"sku\":\"book-1\",\"quantity\":2}");

    assertThat(response.statusCode()).isEqualTo(201);
    JsonObject order = new JsonObject(response.body());
    assertThat(order.getString("status")).isEqualTo("confirmed");
    assertThat(order.getString("orderId")).startsWith("ord-");
    assertThat(order.getString("paymentId")).startsWith("pay-");
    assertThat(order.getDouble("amount")).isEqualTo(19.98);
    assertThat(order.getString("message")).contains("confirmed");
  }

  @Test
  void acceptsTheOrderAsPendingWhilePaymentsFailsAndConfirmsAgainOnceFaultsAreCleared()
      throws Exception {
    HttpResponse<String> faults =
        send("POST", url(payments) + "/admin/faults", "{\"errorRate\":1.0}");
    assertThat(faults.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(faults.body()).getDouble("errorRate")).isEqualTo(1.0);

    HttpResponse<String> degraded = checkout("{\"sku\":\"book-1\"}");
    assertThat(degraded.statusCode()).isEqualTo(202);
    JsonObject pending = new JsonObject(degraded.body());
    assertThat(pending.getString("status")).isEqualTo("pending");
    assertThat(pending.getString("reason")).isEqualTo("payments answered HTTP 500");
    assertThat(pending.getBoolean("rejectedByBreaker")).isFalse();
    assertThat(pending.getString("message")).contains("accepted");

    assertThat(send("DELETE", url(payments) + "/admin/faults", null).body())
        .isEqualTo(Faults.NONE.toJson().encode());
    assertThat(checkout("{\"sku\":\"book-1\"}").statusCode()).isEqualTo(201);
  }

  @Test
  void acceptsTheOrderAsPendingWhenPaymentsIsSlowerThanTheTimeout() throws Exception {
    send("POST", url(payments) + "/admin/faults", "{\"latencyMs\":3000}");

    HttpResponse<String> degraded = checkout("{\"sku\":\"book-1\"}");

    assertThat(degraded.statusCode()).isEqualTo(202);
    assertThat(new JsonObject(degraded.body()).getString("reason")).isEqualTo("payments timed out");
  }

  @Test
  void failsTheOrderWhenInventoryIsUnavailable() throws Exception {
    send("POST", url(inventory) + "/admin/faults", "{\"errorRate\":1,\"errorStatus\":503}");

    HttpResponse<String> failed = checkout("{\"sku\":\"book-1\"}");

    assertThat(failed.statusCode()).isEqualTo(503);
    JsonObject body = new JsonObject(failed.body());
    assertThat(body.getString("status")).isEqualTo("failed");
    assertThat(body.getString("reason")).isEqualTo("inventory answered HTTP 503");
  }

  @Test
  void rejectsAnArticleThatIsOutOfStock() throws Exception {
    HttpResponse<String> rejected = checkout("{\"sku\":\"sold-out-1\"}");

    assertThat(rejected.statusCode()).isEqualTo(409);
    assertThat(new JsonObject(rejected.body()).getString("reason")).isEqualTo("out of stock");
  }

  @Test
  void rejectsAnInvalidOrderListingEveryProblem() throws Exception {
    HttpResponse<String> invalid = checkout("{\"sku\":\"no spaces\",\"quantity\":0}");

    assertThat(invalid.statusCode()).isEqualTo(400);
    assertThat(invalid.headers().firstValue("content-type")).hasValue("application/problem+json");
    assertThat(new JsonObject(invalid.body()).getJsonArray("errors").getList())
        .hasSize(2)
        .anySatisfy(error -> assertThat((String) error).startsWith("$.sku:"))
        .anySatisfy(error -> assertThat((String) error).startsWith("$.quantity:"));

    // a SKU of dots would become a path step in the call to inventory
    HttpResponse<String> dots = checkout("{\"sku\":\"..\",\"quantity\":1}");
    assertThat(dots.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(dots.body()).getJsonArray("errors").getList())
        .singleElement()
        .satisfies(error -> assertThat((String) error).startsWith("$.sku:"));
  }

  @Test
  void rejectsInvalidFaultsListingEveryProblemAndKeepsTheCurrentOnes() throws Exception {
    send("POST", url(payments) + "/admin/faults", "{\"latencyMs\":5}");

    HttpResponse<String> invalid =
        send(
            "POST",
            url(payments) + "/admin/faults",
            "{\"errorRate\":2,\"latencyMs\":-1,\"errorStatus\":404,\"latency\":3}");

    assertThat(invalid.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(invalid.body()).getJsonArray("errors").getList())
        .containsExactlyInAnyOrder(
            "$.latency: unknown field (known: errorRate, latencyMs, errorStatus)",
            "$.errorRate: must be between 0 and 1, was 2.0",
            "$.latencyMs: must be between 0 and 60000, was -1",
            "$.errorStatus: must be a 5xx status, was 404");
    assertThat(new JsonObject(send("GET", url(payments) + "/admin/faults", null).body()))
        .isEqualTo(new Faults(0, 5, 500).toJson());
  }

  @Test
  void marksThePendingOrderAsRejectedByABreakerWhenPaymentsAnswersLikeTheAgentsSyntheticResponse()
      throws Exception {
    // What the agent answers for an open breaker in onOpen.mode "response" with the defaults: 503,
    // its status message, no headers and an empty body (VertxSyntheticExchange).
    var stub =
        vertx
            .createHttpServer()
            .requestHandler(
                request ->
                    request
                        .response()
                        .setStatusCode(503)
                        .setStatusMessage("Sluice circuit breaker open")
                        .end())
            .listen(0, "127.0.0.1")
            .await(10, TimeUnit.SECONDS);
    DemoService ordersBehindBreaker =
        start(
            ServiceKind.ORDERS,
            "--port",
            "0",
            "--payments-url",
            "http://127.0.0.1:" + stub.actualPort(),
            "--inventory-url",
            url(inventory));
    try {
      HttpResponse<String> response =
          send("POST", url(ordersBehindBreaker) + "/orders", "{\"sku\":\"book-1\"}");

      assertThat(response.statusCode()).isEqualTo(202);
      JsonObject pending = new JsonObject(response.body());
      assertThat(pending.getBoolean("rejectedByBreaker")).isTrue();
      assertThat(pending.getString("reason"))
          .isEqualTo("payments rejected by circuit breaker (HTTP 503)");
    } finally {
      ordersBehindBreaker.stop().await(10, TimeUnit.SECONDS);
      stub.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void injectsErrorsAtTheConfiguredRate() throws Exception {
    // A fixed random sequence: every other request draws below the rate of 0.5.
    double[] draws = {0.25, 0.75};
    int[] next = {0};
    DemoService flaky =
        DemoService.start(
                vertx,
                settings(
                    ServiceKind.PAYMENTS,
                    "--port",
                    "0",
                    "--error-rate",
                    "0.5",
                    "--shutdown-grace",
                    "100ms"),
                () -> draws[next[0]++ % draws.length])
            .await(10, TimeUnit.SECONDS);
    try {
      List<Integer> statuses = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        statuses.add(send("POST", url(flaky) + "/pay/ord-1", "{\"amount\":1}").statusCode());
      }
      assertThat(statuses).containsExactly(500, 200, 500, 200, 500, 200, 500, 200, 500, 200);
    } finally {
      flaky.stop().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void stopsGracefullyLettingARequestInFlightFinish() throws Exception {
    // The fault injector draws a random number when a request arrives: that tells the test the
    // request is in the server, held there by the injected latency (the draw never fails it).
    CountDownLatch arrived = new CountDownLatch(1);
    DemoService slow =
        DemoService.start(
                vertx,
                settings(
                    ServiceKind.INVENTORY,
                    "--port",
                    "0",
                    "--latency",
                    "700ms",
                    "--error-rate",
                    "0.01",
                    "--shutdown-grace",
                    "5s"),
                () -> {
                  arrived.countDown();
                  return 0.99;
                })
            .await(10, TimeUnit.SECONDS);
    String stockUrl = url(slow) + "/stock/book-1";
    var inFlight =
        HTTP.sendAsync(
            HttpRequest.newBuilder(URI.create(stockUrl)).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(arrived.await(30, TimeUnit.SECONDS)).as("the request reached the server").isTrue();

    var stopped = slow.stop();

    HttpResponse<String> answered = inFlight.get(10, TimeUnit.SECONDS);
    assertThat(answered.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(answered.body()).getInteger("available"))
        .isEqualTo(InventoryApi.STOCK);
    stopped.await(10, TimeUnit.SECONDS);
    assertThat(
            HTTP.sendAsync(
                HttpRequest.newBuilder(URI.create(stockUrl)).build(),
                HttpResponse.BodyHandlers.ofString()))
        .failsWithin(Duration.ofSeconds(10));
  }

  @Test
  void everyServiceAnswersHealth() throws Exception {
    for (DemoService service : List.of(gateway, orders, payments, inventory)) {
      HttpResponse<String> health = send("GET", url(service) + "/health", null);
      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(new JsonObject(health.body()))
          .isEqualTo(
              new JsonObject()
                  .put("status", "UP")
                  .put("service", service.settings().kind().serviceName()));
    }
  }

  private static DemoService start(ServiceKind kind, String... flags) throws Exception {
    return DemoService.start(vertx, settings(kind, flags)).await(10, TimeUnit.SECONDS);
  }

  private static ServiceSettings settings(ServiceKind kind, String... flags) {
    Flags parsed = Flags.parse(List.of(flags), name -> null);
    ServiceSettings settings = ServiceSettings.read(kind, parsed);
    assertThat(parsed.problems()).isEmpty();
    return settings;
  }

  private static String url(DemoService service) {
    return "http://127.0.0.1:" + service.port();
  }

  private static HttpResponse<String> checkout(String body) throws Exception {
    return send("POST", url(gateway) + "/checkout", body);
  }

  private static HttpResponse<String> send(String method, String url, String body)
      throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(10))
            .header("content-type", "application/json")
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body))
            .build();
    return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
  }
}
