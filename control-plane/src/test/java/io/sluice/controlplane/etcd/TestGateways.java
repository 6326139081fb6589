package io.sluice.controlplane.etcd;

import io.etcd.jetcd.Client;
import io.sluice.rules.wire.EtcdKeys;
import java.time.Duration;
import java.util.List;
import java.util.function.LongSupplier;
import org.springframework.context.SmartLifecycle;

/**
 * The {@link EtcdGateway} most tests need, built in one place: keys under the default namespace
 * ({@code /sluice}), etcd's default request size, nothing run after an answer, no endpoints to name
 * in a first failure. A test about one of those builds its gateway itself.
 */
public final class TestGateways {

  private TestGateways() {}

  /** A gateway over {@code client} whose calls wait at most {@code timeout}. */
  public static EtcdGateway on(Client client, Duration timeout) {
    return EtcdGateway.builder(client, EtcdKeys.defaults(), timeout).build();
  }

  /** A gateway over {@code client} with the key layout {@code keys} (another namespace). */
  public static EtcdGateway on(Client client, EtcdKeys keys, Duration timeout) {
    return EtcdGateway.builder(client, keys, timeout).build();
  }

  /**
   * As {@link #on(Client, Duration)}, on a test's clock ({@link EtcdGateway#nanoTime()}, the calls'
   * send times): the one the test's {@link EtcdOutageLog} is on.
   */
  public static EtcdGateway on(Client client, Duration timeout, LongSupplier nanoTime) {
    return EtcdGateway.builder(client, EtcdKeys.defaults(), timeout).nanoTime(nanoTime).build();
  }

  /**
   * A gateway over {@code client} as the control plane leaves it when it stops: told the client is
   * closing ({@link EtcdGateway#clientClosing}), then the client closed. Its calls fail as the
   * client closed ({@link EtcdUnavailableException#clientClosed()}).
   */
  public static EtcdGateway closedOn(Client client) {
    EtcdGateway gateway = on(client, Duration.ofSeconds(5));
    gateway.clientClosing();
    client.close();
    return gateway;
  }

  /**
   * How many of the client's one-answer calls are still waiting ({@link
   * OutstandingCalls#waiting()}), given the control plane's bean {@code etcdOutstandingCalls}.
   */
  public static int waitingCalls(SmartLifecycle outstandingCalls) {
    return ((OutstandingCalls) outstandingCalls).waiting();
  }

  /**
   * The control plane's own gateway, wired by {@link EtcdConfiguration} as at a start against
   * {@code http://127.0.0.1:1} (no embedded etcd, calls waiting at most 1 s): what it runs when
   * etcd answers or refuses a call ({@code findings} forgotten, {@code outageLog}'s stretch ended)
   * is the test's subject.
   */
  static EtcdGateway wired(Client client, StartFindings findings, EtcdOutageLog outageLog) {
    return wired(client, findings, outageLog, Duration.ofSeconds(1));
  }

  /**
   * As {@link #wired(Client, StartFindings, EtcdOutageLog)}, its calls waiting at most {@code
   * timeout}: for a test whose calls a real etcd answers, and whose hooks ({@link RangeHooks}) run
   * etcd calls of their own inside a call's deadline, which 1 s does not always cover on a loaded
   * machine.
   */
  static EtcdGateway wired(
      Client client, StartFindings findings, EtcdOutageLog outageLog, Duration timeout) {
    return new EtcdConfiguration()
        .etcdGateway(
            client,
            new OutstandingCalls(timeout),
            PlainEtcdSettings.of(List.of("http://127.0.0.1:1"), timeout),
            new EtcdConfiguration.EmbeddedEtcdHolder(null),
            findings,
            outageLog);
  }
}
