package io.sluice.controlplane.etcd;

import io.etcd.jetcd.Client;
import io.sluice.rules.wire.EtcdKeys;
import java.time.Duration;

/**
 * The {@link EtcdGateway} most tests need, built in one place: keys under the default namespace
 * ({@code /sluice}), etcd's default request size, nothing run after an answer, no endpoints to name
 * in a first failure. A test about one of those builds its gateway itself.
 */
public final class TestGateways {

  private TestGateways() {}

  /** A gateway over {@code client} whose calls wait at most {@code timeout}. */
  public static EtcdGateway on(Client client, Duration timeout) {
    return new EtcdGateway(
        client, EtcdKeys.defaults(), timeout, EtcdSettings.DEFAULT_MAX_REQUEST_BYTES);
  }
}
