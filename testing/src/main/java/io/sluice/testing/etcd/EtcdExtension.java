package io.sluice.testing.etcd;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension that runs one real {@link EtcdServer} per test class.
 *
 * <p>Register it as a static field so tests can reach the server:
 *
 * <pre>{@code
 * @RegisterExtension static final EtcdExtension etcd = new EtcdExtension();
 *
 * @Test void readsRules() { client(etcd.endpoint()) ... }
 * }</pre>
 *
 * <p>or with {@code @ExtendWith(EtcdExtension.class)} and an {@link EtcdServer} parameter. The
 * server starts before the first test of the class and is stopped, and its data deleted, after the
 * last. A test that stopped the server to simulate an outage gets it running again before the next
 * test. When {@code etcd} is not installed every test of the class fails with one line saying how
 * to install it: nothing is silently skipped.
 */
public final class EtcdExtension
    implements BeforeAllCallback, BeforeEachCallback, AfterAllCallback, ParameterResolver {

  private EtcdServer server;

  /** The running server. */
  public EtcdServer server() {
    if (server == null) {
      throw new IllegalStateException("etcd is started before the first test of the class");
    }
    return server;
  }

  /** The client URL of the running server. */
  public String endpoint() {
    return server().endpoint();
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    server = EtcdServer.fromPath();
    server.start();
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    if (!server().isRunning()) {
      server.start();
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (server != null) {
      server.close();
      server = null;
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == EtcdServer.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return server();
  }
}
