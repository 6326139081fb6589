package io.sluice.demo.mesh;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * {@code GET /stock/{sku}}: the stock of an article. Every article is in stock except those whose
 * SKU starts with {@code sold-out}, so a demo can show a business rejection beside the failures.
 */
final class InventoryApi {
  static final int STOCK = 100;

  private final FaultInjector faults;

  InventoryApi(FaultInjector faults) {
    this.faults = faults;
  }

  void mount(Router router) {
    faults.mountAdmin(router);
    router.get("/stock/:sku").handler(faults.before(this::stock));
  }

  private void stock(RoutingContext context) {
    String sku = context.pathParam("sku");
    if (!OrderRequest.SKU.matcher(sku).matches()) {
      Responses.problem(context, 400, "Invalid SKU", List.of("$.sku: " + sku));
      return;
    }
    int available = sku.startsWith("sold-out") ? 0 : STOCK;
    Responses.json(context, 200, new JsonObject().put("sku", sku).put("available", available));
  }
}
