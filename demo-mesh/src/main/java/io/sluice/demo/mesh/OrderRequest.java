package io.sluice.demo.mesh;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What a user orders: {@code {"sku": "book-1", "quantity": 2}}. Gateway and orders validate it
 * alike, so an invalid order is a 400 at the edge and never reaches the mesh.
 *
 * @param sku the article, letters, digits, {@code .}, {@code _} and {@code -}, up to 64, starting
 *     with a letter or digit (so {@code ..} cannot become a path step)
 * @param quantity how many, 1 to 100
 */
record OrderRequest(String sku, int quantity) {
  /** SKUs are safe to put in a URL path as they are. */
  static final Pattern SKU = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  /** Order ids as orders generates them. */
  static final Pattern ORDER_ID = Pattern.compile("[A-Za-z0-9-]{1,64}");

  static final double UNIT_PRICE = 9.99;

  /** Reads an order; every problem is listed with its JSON path. */
  static Parsed parse(JsonObject json) {
    if (json == null) {
      return new Parsed(
          null, List.of("$: expected a JSON object like {\"sku\":\"book-1\",\"quantity\":1}"));
    }
    List<String> problems = new ArrayList<>();
    Object sku = json.getValue("sku");
    if (!(sku instanceof String text) || !SKU.matcher(text).matches()) {
      problems.add(
          "$.sku: must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit,"
              + " was "
              + sku);
    }
    Object quantity = json.getValue("quantity", 1);
    if (!(quantity instanceof Integer || quantity instanceof Long)
        || ((Number) quantity).longValue() < 1
        || ((Number) quantity).longValue() > 100) {
      problems.add("$.quantity: must be a whole number from 1 to 100, was " + quantity);
    }
    if (!problems.isEmpty()) {
      return new Parsed(null, List.copyOf(problems));
    }
    return new Parsed(new OrderRequest((String) sku, ((Number) quantity).intValue()), List.of());
  }

  double amount() {
    return Math.round(quantity * UNIT_PRICE * 100) / 100.0;
  }

  JsonObject toJson() {
    return new JsonObject().put("sku", sku).put("quantity", quantity);
  }

  /** An order, or the problems that prevented reading it. */
  record Parsed(OrderRequest order, List<String> problems) {}
}
