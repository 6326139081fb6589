package io.sluice.demo.mesh;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.ext.web.handler.BodyHandler;
import java.net.URI;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;

/**
 * One running demo service: its HTTP server, its routes and its client to its dependencies.
 *
 * <p>Every service answers {@code GET /health} (200 {@code UP}, 503 {@code DRAINING} once {@link
 * #stop()} began). {@link #stop()} shuts down gracefully: health turns to 503 first so a load
 * balancer stops sending, in-flight requests may finish within the grace period, then the client
 * closes.
 *
 * <pre>{@code
 * Vertx vertx = Vertx.vertx();
 * DemoService payments = DemoService.start(vertx, settings).await();
 * ...
 * payments.stop().await();
 * }</pre>
 */
public final class DemoService {
  private static final int MAX_BODY_BYTES = 16 * 1024;

  private final ServiceSettings settings;
  private final HttpServer server;
  private final WebClient client;
  private volatile boolean draining;

  private DemoService(ServiceSettings settings, HttpServer server, WebClient client) {
    this.settings = settings;
    this.server = server;
    this.client = client;
  }

  /** Starts the service described by {@code settings}; the future completes once it listens. */
  public static Future<DemoService> start(Vertx vertx, ServiceSettings settings) {
    return start(vertx, settings, () -> ThreadLocalRandom.current().nextDouble());
  }

  /**
   * @param random decides which requests an injected error rate fails (tests pass a fixed sequence)
   */
  static Future<DemoService> start(Vertx vertx, ServiceSettings settings, DoubleSupplier random) {
    WebClient client =
        WebClient.create(
            vertx,
            new WebClientOptions()
                .setUserAgent("sluice-demo-" + settings.kind().serviceName())
                .setConnectTimeout((int) settings.downstreamTimeout().toMillis()),
            new PoolOptions().setHttp1MaxSize(64));
    // HTTP/1.1 only, as Envoy speaks to its upstream: with h2c upgrades on (Vert.x's default) the
    // agent never ends the server span of an upgraded request (the JDK HttpClient asks for one),
    // and the trace would lose its root.
    HttpServer server =
        vertx.createHttpServer(
            new HttpServerOptions()
                .setHost(settings.host())
                .setPort(settings.port())
                .setHttp2ClearTextEnabled(false));
    DemoService service = new DemoService(settings, server, client);
    server.requestHandler(service.router(vertx, random));
    return server
        .listen()
        .<DemoService>map(listening -> service)
        .onFailure(failure -> client.close());
  }

  /** The port the service listens on (the bound one when {@code port} was 0). */
  public int port() {
    return server.actualPort();
  }

  /** What the service was started with. */
  public ServiceSettings settings() {
    return settings;
  }

  /**
   * Stops gracefully: health answers 503, the server stops accepting and lets in-flight requests
   * finish within {@link ServiceSettings#shutdownGrace()}, then the client closes.
   */
  public Future<Void> stop() {
    draining = true;
    return server
        .shutdown(settings.shutdownGrace().toMillis(), TimeUnit.MILLISECONDS)
        .eventually(
            () -> {
              client.close();
              return Future.succeededFuture();
            });
  }

  private Router router(Vertx vertx, DoubleSupplier random) {
    Router router = Router.router(vertx);
    router.route().handler(BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES));
    router
        .get("/health")
        .handler(
            context ->
                Responses.json(
                    context,
                    draining ? 503 : 200,
                    new JsonObject()
                        .put("status", draining ? "DRAINING" : "UP")
                        .put("service", settings.kind().serviceName())));
    switch (settings.kind()) {
      case GATEWAY -> new GatewayApi(downstream("orders", settings.ordersUrl())).mount(router);
      case ORDERS ->
          new OrdersApi(
                  downstream("payments", settings.paymentsUrl()),
                  downstream("inventory", settings.inventoryUrl()))
              .mount(router);
      case PAYMENTS -> new PaymentsApi(faults(vertx, random)).mount(router);
      case INVENTORY -> new InventoryApi(faults(vertx, random)).mount(router);
    }
    return router;
  }

  private Downstream downstream(String name, URI url) {
    return new Downstream(name, client, url, settings.downstreamTimeout());
  }

  private FaultInjector faults(Vertx vertx, DoubleSupplier random) {
    return new FaultInjector(vertx, settings.kind().serviceName(), settings.faults(), random);
  }
}
