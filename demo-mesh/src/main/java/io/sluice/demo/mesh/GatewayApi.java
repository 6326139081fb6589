package io.sluice.demo.mesh;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * {@code POST /checkout}: the user-facing entry point. Validates the order, forwards it to orders
 * and translates the answer for a person.
 *
 * <p>When payments is failing, orders answers {@code pending}; the gateway then accepts the order
 * (202) with a message saying payment will follow, instead of an error page. That is how a circuit
 * breaker's effect becomes visible to a user: fast "accepted, pending" answers rather than slow
 * failures.
 */
final class GatewayApi {
  private final Downstream orders;

  GatewayApi(Downstream orders) {
    this.orders = orders;
  }

  void mount(Router router) {
    router.post("/checkout").handler(this::checkout);
  }

  private void checkout(RoutingContext context) {
    OrderRequest.Parsed parsed = OrderRequest.parse(Responses.bodyObject(context));
    if (parsed.order() == null) {
      Responses.problem(context, 400, "Invalid order", parsed.problems());
      return;
    }
    orders
        .call(HttpMethod.POST, "/orders", parsed.order().toJson())
        .onSuccess(outcome -> answer(context, outcome));
  }

  private static void answer(RoutingContext context, DownstreamOutcome outcome) {
    JsonObject order = outcome.body();
    switch (outcome.status()) {
      case 201 ->
          Responses.json(context, 201, order.put("message", "Thank you! Your order is confirmed."));
      case 202 ->
          Responses.json(
              context,
              202,
              order.put(
                  "message",
                  "Thank you! Your order is accepted; payment is delayed and will complete"
                      + " later."));
      case 409 ->
          Responses.json(
              context, 409, order.put("message", "Sorry, this article is out of stock."));
      case 400 -> Responses.problem(context, 400, "Invalid order", List.of(order.encode()));
      default ->
          Responses.json(
              context,
              503,
              new JsonObject()
                  .put("status", "failed")
                  .put("reason", failureReason(outcome))
                  .put("rejectedByBreaker", outcome.rejectedByBreaker())
                  .put("message", "Sorry, we cannot take orders right now. Please retry."));
    }
  }

  /**
   * Orders' own reason when it gave one (inventory unavailable), else what went wrong calling it.
   */
  private static String failureReason(DownstreamOutcome outcome) {
    String fromOrders = outcome.body().getString("reason");
    if (fromOrders != null) {
      return fromOrders;
    }
    return outcome.ok() ? "orders answered HTTP " + outcome.status() : outcome.reason();
  }
}
