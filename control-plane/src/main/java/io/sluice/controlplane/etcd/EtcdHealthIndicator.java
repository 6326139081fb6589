package io.sluice.controlplane.etcd;

import io.etcd.jetcd.options.GetOption;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * {@code /actuator/health} component {@code etcd}: UP when etcd answers a read in time. The read
 * goes through {@link EtcdGateway}, so a check after a failed call has the client reconnect at once
 * first: health turns UP as soon as etcd is back, not when gRPC's reconnect backoff (up to 2
 * minutes after a long outage) runs out.
 */
final class EtcdHealthIndicator extends AbstractHealthIndicator {

  private final EtcdGateway etcd;

  EtcdHealthIndicator(EtcdGateway etcd) {
    super("etcd is not reachable");
    this.etcd = etcd;
  }

  @Override
  protected void doHealthCheck(Health.Builder builder) {
    try {
      long revision =
          etcd.get(etcd.keys().rulesPrefix(), GetOption.builder().withCountOnly(true).build())
              .getHeader()
              .getRevision();
      builder.up().withDetail("revision", revision);
    } catch (EtcdUnavailableException | EtcdRefusedException e) {
      builder.down().withDetail("error", e.getMessage());
    }
  }
}
