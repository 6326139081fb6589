package io.sluice.controlplane.etcd;

import io.etcd.jetcd.Client;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLException;

/**
 * Settings, and clients made from them as the control plane makes its own, for etcd endpoints
 * without credentials or TLS options: what most of the etcd package's tests need, with only the
 * endpoints and the deadline of their own.
 */
final class PlainEtcdSettings {

  private PlainEtcdSettings() {}

  /** Settings for {@code endpoints} under {@code /sluice}, with deadline {@code timeout}. */
  static EtcdSettings of(List<String> endpoints, Duration timeout) {
    return of(endpoints, timeout, Duration.ofSeconds(1));
  }

  /** As {@link #of(List, Duration)}, with health's deadline {@code healthTimeout}. */
  static EtcdSettings of(List<String> endpoints, Duration timeout, Duration healthTimeout) {
    return new EtcdSettings(
        endpoints,
        "/sluice",
        null,
        null,
        null,
        timeout,
        EtcdSettings.DEFAULT_MAX_REQUEST_BYTES,
        healthTimeout);
  }

  /** A client of {@code endpoints}, built as the control plane builds its own. */
  static Client client(List<String> endpoints, Duration timeout) throws SSLException {
    EtcdSettings settings = of(endpoints, timeout);
    return EtcdConfiguration.clientBuilder(settings, settings.endpoints()).build();
  }
}
