package io.sluice.demo.mesh;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.UUID;

/**
 * {@code POST /orders}: checks stock with inventory ({@code GET /stock/{sku}}), then charges with
 * payments ({@code POST /pay/{orderId}}).
 *
 * <p>Answers 201 {@code confirmed} when both succeed; 202 {@code pending} with the reason when
 * payments failed, timed out or was rejected by a circuit breaker (the order is kept and would be
 * charged later: this is the degradation a breaker makes visible); 409 {@code rejected} when the
 * article is out of stock; 503 {@code failed} when inventory is unavailable, since an order cannot
 * be taken without knowing the stock.
 */
final class OrdersApi {
  private final Downstream payments;
  private final Downstream inventory;

  OrdersApi(Downstream payments, Downstream inventory) {
    this.payments = payments;
    this.inventory = inventory;
  }

  void mount(Router router) {
    router.post("/orders").handler(this::place);
  }

  private void place(RoutingContext context) {
    OrderRequest.Parsed parsed = OrderRequest.parse(Responses.bodyObject(context));
    if (parsed.order() == null) {
      Responses.problem(context, 400, "Invalid order", parsed.problems());
      return;
    }
    OrderRequest order = parsed.order();
    String orderId = "ord-" + UUID.randomUUID().toString().substring(0, 13);
    inventory
        .call(HttpMethod.GET, "/stock/" + order.sku(), null)
        .onSuccess(stock -> afterStock(context, orderId, order, stock));
  }

  private void afterStock(
      RoutingContext context, String orderId, OrderRequest order, DownstreamOutcome stock) {
    JsonObject answer = order.toJson().put("orderId", orderId).put("amount", order.amount());
    if (!stock.ok()) {
      Responses.json(
          context,
          503,
          answer
              .put("status", "failed")
              .put("reason", stock.reason())
              .put("rejectedByBreaker", stock.rejectedByBreaker()));
      return;
    }
    if (stock.body().getInteger("available", 0) < order.quantity()) {
      Responses.json(context, 409, answer.put("status", "rejected").put("reason", "out of stock"));
      return;
    }
    payments
        .call(
            HttpMethod.POST,
            "/pay/" + orderId,
            new JsonObject().put("orderId", orderId).put("amount", order.amount()))
        .onSuccess(payment -> afterPayment(context, answer, payment));
  }

  private static void afterPayment(
      RoutingContext context, JsonObject answer, DownstreamOutcome payment) {
    if (payment.ok()) {
      Responses.json(
          context,
          201,
          answer
              .put("status", "confirmed")
              .put("paymentId", payment.body().getString("paymentId")));
    } else {
      Responses.json(
          context,
          202,
          answer
              .put("status", "pending")
              .put("reason", payment.reason())
              .put("rejectedByBreaker", payment.rejectedByBreaker()));
    }
  }
}
