package io.sluice.controlplane.etcd;

import io.etcd.jetcd.Client;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLException;

/**
 * Clients of a test's etcd built as the control plane builds its own ({@link
 * EtcdConfiguration#clientBuilder}), their one-answer calls counted by an {@link OutstandingCalls}:
 * for the ITs that wait until a call waits for etcd, then stop it or let its deadline pass.
 */
final class CountedCallsClients {

  private CountedCallsClients() {}

  /** Calls given the gRPC deadline {@code timeout} sets, counted from now on. */
  static OutstandingCalls startedCalls(Duration timeout) {
    OutstandingCalls calls = new OutstandingCalls(timeout);
    calls.start();
    return calls;
  }

  /**
   * A client of {@code endpoint} whose calls wait at most {@code timeout}, through {@code calls}.
   */
  static Client clientThrough(OutstandingCalls calls, String endpoint, Duration timeout)
      throws SSLException {
    EtcdSettings settings = PlainEtcdSettings.of(List.of(endpoint), timeout);
    return EtcdConfiguration.clientBuilder(settings, settings.endpoints())
        .interceptor(calls)
        .build();
  }
}
