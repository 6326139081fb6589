package io.sluice.demo.mesh;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.UUID;

/** {@code POST /pay/{orderId}}: charges an order, after the injected faults had their say. */
final class PaymentsApi {
  private final FaultInjector faults;

  PaymentsApi(FaultInjector faults) {
    this.faults = faults;
  }

  void mount(Router router) {
    faults.mountAdmin(router);
    router.post("/pay/:orderId").handler(faults.before(this::pay));
  }

  private void pay(RoutingContext context) {
    String orderId = context.pathParam("orderId");
    if (!OrderRequest.ORDER_ID.matcher(orderId).matches()) {
      Responses.problem(context, 400, "Invalid order id", List.of("$.orderId: " + orderId));
      return;
    }
    JsonObject body = Responses.bodyObject(context);
    double amount = body == null ? 0 : body.getDouble("amount", 0.0);
    Responses.json(
        context,
        200,
        new JsonObject()
            .put("paymentId", "pay-" + UUID.randomUUID().toString().substring(0, 8))
            .put("orderId", orderId)
            .put("amount", amount)
            .put("status", "paid"));
  }
}
