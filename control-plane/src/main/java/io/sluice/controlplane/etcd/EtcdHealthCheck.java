package io.sluice.controlplane.etcd;

import io.etcd.jetcd.options.GetOption;
import java.util.function.Supplier;
import org.springframework.boot.health.contributor.Health;

/**
 * One health check of etcd, for {@link EtcdHealthIndicator}: reads etcd within {@code
 * sluice.etcd.health-timeout} ({@link EtcdGateway#checkHealth}, 1 s by default) rather than the
 * full {@code sluice.etcd.timeout} (5 s), so the web UI's "Stale" and health's DOWN show an outage
 * within seconds; and once it finds etcd unreachable, tells the gateway, whose reads then stop
 * waiting the full timeout each ({@link EtcdGateway#markUnreachable}).
 *
 * <p>A short deadline must not make a busy etcd look like an outage: one read that misses it is not
 * enough. etcd serves a count-only read of the rules' prefix in milliseconds; 1 s missed once is a
 * pause (a leader election, a long fsync, the control plane's own GC, a connection gRPC was still
 * backing off on) as often as an outage. So after etcd last answered, a miss is read again at once
 * (the gateway has the client reconnect first), and only two misses in a row, about two seconds
 * without an answer, make the check DOWN. A single slow answer under load costs one more read and
 * shows nothing. Once DOWN, one miss keeps it so and one answer makes it UP: etcd answering is
 * never in doubt. An etcd that answers, but slower than the deadline every time, is DOWN: raise
 * {@code sluice.etcd.health-timeout} for such a cluster.
 *
 * <p>A refusal (the control plane's credentials or permissions) is DOWN at once and is no miss:
 * etcd answered, and reads are not cut short for it.
 *
 * <p>Not thread-safe: the indicator runs one check at a time.
 */
final class EtcdHealthCheck implements Supplier<Health> {

  /** Misses in a row, after etcd last answered, that make the check DOWN. */
  static final int MISSES_FOR_DOWN = 2;

  /**
   * One read of etcd, and what it found.
   *
   * @param health UP with the revision, or DOWN with why
   * @param missed whether etcd was unreachable or did not answer in time (not a refusal)
   */
  record Attempt(Health health, boolean missed) {}

  private final Supplier<Attempt> read;
  private final Runnable unreachable;

  /** Whether the latest check ended on a miss: the next one then takes one miss for DOWN. */
  private boolean missedLast;

  /** Reads through {@code etcd}, and tells it when etcd is found unreachable. */
  EtcdHealthCheck(EtcdGateway etcd) {
    this(() -> read(etcd), etcd::markUnreachable);
  }

  /**
   * @param read reads etcd once, within health's deadline
   * @param unreachable told each time a check finds etcd unreachable (DOWN on misses)
   */
  EtcdHealthCheck(Supplier<Attempt> read, Runnable unreachable) {
    this.read = read;
    this.unreachable = unreachable;
  }

  @Override
  public Health get() {
    Attempt attempt = read.get();
    for (int misses = 1; attempt.missed() && !missedLast && misses < MISSES_FOR_DOWN; misses++) {
      attempt = read.get();
    }
    missedLast = attempt.missed();
    if (missedLast) {
      unreachable.run();
    }
    return attempt.health();
  }

  private static Attempt read(EtcdGateway etcd) {
    try {
      long revision =
          etcd.checkHealth(
                  etcd.keys().rulesPrefix(), GetOption.builder().withCountOnly(true).build())
              .getHeader()
              .getRevision();
      return new Attempt(Health.up().withDetail("revision", revision).build(), false);
    } catch (EtcdUnavailableException e) {
      return new Attempt(Health.down().withDetail("error", e.getMessage()).build(), true);
    } catch (EtcdRefusedException e) {
      Health.Builder down = Health.down().withDetail("error", e.getMessage());
      if (e.notPermitted()) {
        down.withDetail("action", etcd.notPermittedAction());
      }
      return new Attempt(down.build(), false);
    }
  }
}
