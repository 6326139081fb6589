package io.sluice.demo.mesh;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.function.DoubleSupplier;
import java.util.logging.Logger;

/**
 * Injects errors and latency into a service's business endpoints, changed at run time through
 * {@code /admin/faults}, so a demo can make payments or inventory fail on demand and watch a
 * breaker in orders open and close.
 *
 * <p>{@code GET /admin/faults} shows the current faults, {@code POST /admin/faults} with {@code
 * {"errorRate":0.5,"latencyMs":200}} replaces them, {@code DELETE /admin/faults} clears them. The
 * admin and health endpoints themselves are never faulted.
 */
final class FaultInjector {
  private static final Logger LOG = Logger.getLogger(FaultInjector.class.getName());

  private final Vertx vertx;
  private final String serviceName;
  private final DoubleSupplier random;
  private volatile Faults faults;

  /**
   * @param random uniform numbers in {@code [0, 1)} deciding which requests fail
   */
  FaultInjector(Vertx vertx, String serviceName, Faults initial, DoubleSupplier random) {
    this.vertx = vertx;
    this.serviceName = serviceName;
    this.faults = initial;
    this.random = random;
  }

  /** Mounts the admin endpoints. */
  void mountAdmin(Router router) {
    router.get("/admin/faults").handler(context -> Responses.json(context, 200, faults.toJson()));
    router.delete("/admin/faults").handler(context -> replace(context, Faults.NONE));
    router
        .post("/admin/faults")
        .handler(
            context -> {
              JsonObject body = Responses.bodyObject(context);
              if (body == null) {
                Responses.problem(
                    context,
                    400,
                    "Invalid faults",
                    List.of(
                        "$: expected a JSON object like {\"errorRate\":0.5,\"latencyMs\":200}"));
                return;
              }
              Faults.Parsed parsed = Faults.parse(body);
              if (parsed.faults() == null) {
                Responses.problem(context, 400, "Invalid faults", parsed.problems());
              } else {
                replace(context, parsed.faults());
              }
            });
  }

  /**
   * {@code business} behind the injected faults: delays, then fails or runs it. One handler per
   * route, not a fault handler chained before the business one: the agent names a server span by
   * the routes of every handler that ran ({@code POST /pay/:orderId/pay/:orderId} for two).
   */
  Handler<RoutingContext> before(Handler<RoutingContext> business) {
    return context -> {
      Faults current = faults;
      boolean fail = current.errorRate() > 0 && random.getAsDouble() < current.errorRate();
      if (current.latencyMs() > 0) {
        vertx.setTimer(current.latencyMs(), timer -> proceed(context, current, fail, business));
      } else {
        proceed(context, current, fail, business);
      }
    };
  }

  private void proceed(
      RoutingContext context, Faults current, boolean fail, Handler<RoutingContext> business) {
    if (context.response().closed()) {
      return;
    }
    if (fail) {
      Responses.json(
          context,
          current.errorStatus(),
          new JsonObject().put("error", "injected fault").put("service", serviceName));
    } else {
      business.handle(context);
    }
  }

  private void replace(RoutingContext context, Faults next) {
    Faults previous = faults;
    faults = next;
    if (!previous.equals(next)) {
      LOG.info(() -> serviceName + ": faults now " + next.toJson().encode());
    }
    Responses.json(context, 200, next.toJson());
  }
}
