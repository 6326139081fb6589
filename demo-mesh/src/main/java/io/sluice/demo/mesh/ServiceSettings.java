package io.sluice.demo.mesh;

import io.sluice.demo.Flags;
import java.net.URI;
import java.time.Duration;

/**
 * Where a demo service listens and whom it calls, read from flags or {@code DEMO_*} variables.
 *
 * <table>
 *   <caption>Flags by service (environment fallback in brackets)</caption>
 *   <tr><td>all</td><td>{@code --host} [DEMO_HOST] 127.0.0.1, {@code --port} [DEMO_PORT],
 *       {@code --shutdown-grace} [DEMO_SHUTDOWN_GRACE] 5s</td></tr>
 *   <tr><td>gateway</td><td>{@code --orders-url} [DEMO_ORDERS_URL], {@code --timeout}
 *       [DEMO_TIMEOUT] 5s (more than orders' two calls)</td></tr>
 *   <tr><td>orders</td><td>{@code --payments-url}, {@code --inventory-url}, {@code --timeout}
 *       2s</td></tr>
 *   <tr><td>payments, inventory</td><td>{@code --error-rate} 0, {@code --latency} 0ms (the
 *       faults at start)</td></tr>
 * </table>
 *
 * @param kind which service
 * @param host the address to bind, loopback by default so only the sidecar or the host can call
 * @param port the port to bind, 0 for any free port
 * @param ordersUrl where gateway finds orders ({@code null} for the others)
 * @param paymentsUrl where orders finds payments ({@code null} for the others)
 * @param inventoryUrl where orders finds inventory ({@code null} for the others)
 * @param downstreamTimeout how long a call to a dependency may stay silent
 * @param faults the faults injected from the start (payments and inventory)
 * @param shutdownGrace how long in-flight requests may finish on shutdown
 */
public record ServiceSettings(
    ServiceKind kind,
    String host,
    int port,
    URI ordersUrl,
    URI paymentsUrl,
    URI inventoryUrl,
    Duration downstreamTimeout,
    Faults faults,
    Duration shutdownGrace) {

  /**
   * How long gateway waits for orders unless {@code --timeout} says otherwise: above orders' two
   * calls at {@link #ORDERS_TIMEOUT} each, so orders' pending answer arrives in time.
   */
  public static final Duration GATEWAY_TIMEOUT = Duration.ofSeconds(5);

  /**
   * How long orders waits for payments and for inventory unless {@code --timeout} says otherwise.
   */
  public static final Duration ORDERS_TIMEOUT = Duration.ofSeconds(2);

  /**
   * Reads the settings of {@code kind}; flags of other services are left unread, so {@link
   * Flags#problems()} reports them as unknown.
   */
  public static ServiceSettings read(ServiceKind kind, Flags flags) {
    String host = flags.string("host", "127.0.0.1");
    int port = flags.integer("port", kind.defaultPort(), 0, 65535);
    Duration grace =
        flags.duration(
            "shutdown-grace", Duration.ofSeconds(5), Duration.ZERO, Duration.ofMinutes(1));
    URI orders = null;
    URI payments = null;
    URI inventory = null;
    Duration timeout = Duration.ofSeconds(2);
    Faults faults = Faults.NONE;
    switch (kind) {
      case GATEWAY -> {
        orders = flags.url("orders-url", "http://127.0.0.1:" + ServiceKind.ORDERS.defaultPort());
        timeout = timeout(flags, GATEWAY_TIMEOUT);
      }
      case ORDERS -> {
        payments =
            flags.url("payments-url", "http://127.0.0.1:" + ServiceKind.PAYMENTS.defaultPort());
        inventory =
            flags.url("inventory-url", "http://127.0.0.1:" + ServiceKind.INVENTORY.defaultPort());
        timeout = timeout(flags, ORDERS_TIMEOUT);
      }
      case PAYMENTS, INVENTORY -> {
        double errorRate = flags.decimal("error-rate", 0, 0, 1);
        Duration latency =
            flags.duration(
                "latency", Duration.ZERO, Duration.ZERO, Duration.ofMillis(Faults.MAX_LATENCY_MS));
        faults = new Faults(errorRate, latency.toMillis(), 500);
      }
    }
    return new ServiceSettings(
        kind, host, port, orders, payments, inventory, timeout, faults, grace);
  }

  private static Duration timeout(Flags flags, Duration defaultValue) {
    return flags.duration("timeout", defaultValue, Duration.ofMillis(10), Duration.ofMinutes(1));
  }

  /** One line for the start-up log: where the service listens and whom it calls. */
  public String describe(int boundPort) {
    String base = kind.serviceName() + " listening on http://" + host + ":" + boundPort;
    return switch (kind) {
      case GATEWAY ->
          base + " (orders " + ordersUrl + ", timeout " + Flags.format(downstreamTimeout) + ")";
      case ORDERS ->
          base
              + " (payments "
              + paymentsUrl
              + ", inventory "
              + inventoryUrl
              + ", timeout "
              + Flags.format(downstreamTimeout)
              + ")";
      case PAYMENTS, INVENTORY ->
          base + " (faults " + faults.toJson().encode() + ", admin: /admin/faults)";
    };
  }
}
