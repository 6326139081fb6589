package io.sluice.testing.etcd;

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
 * last. {@code @Nested} classes share their enclosing class's server. A test that stopped or froze
 * the server to simulate an outage gets it running again before the next test. When {@code etcd} is
 * not installed every test of the class fails with one line saying how to install it: nothing is
 * silently skipped.
 *
 * <p>The server lives in the JUnit store of the class that started it, which closes it when that
 * class is done; a {@code @Nested} class finds it there through its parent context instead of
 * starting one of its own.
 */
public final class EtcdExtension
    implements BeforeAllCallback, BeforeEachCallback, ParameterResolver {

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(EtcdExtension.class);

  /**
   * The server of the class now running, for {@link #server()}; owned by the store, this is only a
   * pointer to it.
   */
  private volatile EtcdServer current;

  /** The running server. */
  public EtcdServer server() {
    EtcdServer server = current;
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
    // The store looks in the parent contexts too: a @Nested class gets its enclosing class's
    // server. Keyed by this instance, so that two registrations get two servers.
    current =
        context.getStore(NAMESPACE).getOrComputeIfAbsent(this, key -> start(), EtcdServer.class);
  }

  private static EtcdServer start() {
    EtcdServer server = EtcdServer.fromPath();
    server.start();
    return server;
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    EtcdServer server = server(context);
    if (!server.isRunning()) {
      server.start();
    }
    server.thaw(); // a test that froze it and failed before thawing it
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == EtcdServer.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return server(context);
  }

  private EtcdServer server(ExtensionContext context) {
    EtcdServer server = context.getStore(NAMESPACE).get(this, EtcdServer.class);
    if (server == null) {
      throw new IllegalStateException("etcd is started before the first test of the class");
    }
    return server;
  }
}
