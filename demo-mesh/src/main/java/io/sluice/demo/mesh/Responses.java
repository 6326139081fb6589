package io.sluice.demo.mesh;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/** Writes the JSON answers of the demo services, and RFC 9457 problem details for errors. */
final class Responses {
  private Responses() {}

  static void json(RoutingContext context, int status, JsonObject body) {
    if (context.response().ended() || context.response().closed()) {
      return;
    }
    context
        .response()
        .setStatusCode(status)
        .putHeader("content-type", "application/json")
        .end(body.encode());
  }

  static void problem(RoutingContext context, int status, String title, List<String> errors) {
    if (context.response().ended() || context.response().closed()) {
      return;
    }
    JsonObject body =
        new JsonObject()
            .put("type", "about:blank")
            .put("title", title)
            .put("status", status)
            .put("detail", String.join("; ", errors))
            .put("errors", new JsonArray(List.copyOf(errors)));
    context
        .response()
        .setStatusCode(status)
        .putHeader("content-type", "application/problem+json")
        .end(body.encode());
  }

  /** The request body as a JSON object, or {@code null} when it is absent or not an object. */
  static JsonObject bodyObject(RoutingContext context) {
    try {
      return context.body().asJsonObject();
    } catch (RuntimeException notJson) {
      return null;
    }
  }
}
