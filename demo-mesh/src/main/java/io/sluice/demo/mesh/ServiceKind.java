package io.sluice.demo.mesh;

import java.util.Locale;

/**
 * The four services of the demo mesh, each one argument away in the same jar.
 *
 * <p>The default ports make the local demo and the docker-compose variant answer on the same host
 * ports: 8080 gateway, 8081 orders, 8082 payments, 8083 inventory.
 */
public enum ServiceKind {
  /** The entry point users and the load generator call: {@code POST /checkout}. */
  GATEWAY(8080),
  /** Places orders: checks stock with inventory, then charges with payments. */
  ORDERS(8081),
  /** Charges an order; its failures are what a breaker in orders protects against. */
  PAYMENTS(8082),
  /** Answers stock levels. */
  INVENTORY(8083);

  private final int defaultPort;

  ServiceKind(int defaultPort) {
    this.defaultPort = defaultPort;
  }

  /** The port used when neither {@code --port} nor {@code DEMO_PORT} is set. */
  public int defaultPort() {
    return defaultPort;
  }

  /** The name on the command line, in {@code otel.service.name} and in rule documents. */
  public String serviceName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Whether the service has the fault-injection admin endpoint. */
  public boolean injectsFaults() {
    return this == PAYMENTS || this == INVENTORY;
  }

  /** The kind named {@code name} on the command line, or {@code null}. */
  public static ServiceKind fromServiceName(String name) {
    for (ServiceKind kind : values()) {
      if (kind.serviceName().equals(name)) {
        return kind;
      }
    }
    return null;
  }
}
