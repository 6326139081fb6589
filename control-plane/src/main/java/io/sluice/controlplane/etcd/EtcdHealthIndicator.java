package io.sluice.controlplane.etcd;

import java.time.Duration;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

/**
 * {@code /actuator/health} component {@code etcd}: UP when etcd answers a read in time, {@code
 * sluice.etcd.health-timeout} (see {@link EtcdHealthCheck} for the deadline, and why two misses in
 * a row make DOWN, not one). The read goes through {@link EtcdGateway}, so a check after a failed
 * call has the client reconnect at once first: health turns UP as soon as etcd is back, not when
 * gRPC's reconnect backoff (up to 2 minutes after a long outage) runs out.
 *
 * <p>The health endpoint is open and probed often (load balancers, orchestrators, monitors): one
 * check runs at a time and its answer serves every caller for {@link #FRESH}. Callers that arrive
 * while etcd is slow to answer wait for the check in progress instead of each sending a read of its
 * own, so probes never multiply the load on etcd, nor the waits while it is down.
 *
 * <p>While etcd has not been read since the control plane started without it, a DOWN answer also
 * carries {@code start}: why the start did not connect and what each endpoint showed ({@link
 * StartFindings}), which was only in the log.
 *
 * <p>With the embedded etcd, its supervisor's trouble (etcd restarting, its client port taken by
 * another process, restarts given up) makes the answer DOWN with the detail {@code embedded} alone,
 * without reading etcd: {@link EtcdGateway} refuses every call meanwhile, and what answers on the
 * port then, if anything, is not this control plane's etcd.
 */
final class EtcdHealthIndicator extends AbstractHealthIndicator {

  /** How long one check's answer stands. */
  static final Duration FRESH = Duration.ofSeconds(1);

  private final Supplier<Health> check;
  private final LongSupplier nanoTime;
  private final StartFindings start;
  private final EmbeddedEtcdRuns embedded;
  private final Object checking = new Object();
  private volatile Checked last;

  private record Checked(Health health, long atNanos) {}

  /**
   * @param embedded the embedded etcd's supervisor, the one {@code etcd} was built with ({@link
   *     EtcdGateway.Builder#embedded}): health and the gateway then read one view of whether it
   *     runs; {@link EmbeddedEtcdRuns#NONE} with a configured cluster
   */
  EtcdHealthIndicator(EtcdGateway etcd, StartFindings start, EmbeddedEtcdRuns embedded) {
    this(new EtcdHealthCheck(etcd), System::nanoTime, start, embedded);
  }

  EtcdHealthIndicator(Supplier<Health> check, LongSupplier nanoTime, StartFindings start) {
    this(check, nanoTime, start, EmbeddedEtcdRuns.NONE);
  }

  /**
   * @param check reads etcd once and says what it found
   * @param nanoTime the clock the answers age by
   * @param start why the start did not connect, shown while DOWN until etcd is first read
   * @param embedded the embedded etcd's supervisor, whose {@link EmbeddedEtcdRuns#trouble()} says
   *     why it is not running; {@link EmbeddedEtcdRuns#NONE} with a configured cluster
   */
  EtcdHealthIndicator(
      Supplier<Health> check,
      LongSupplier nanoTime,
      StartFindings start,
      EmbeddedEtcdRuns embedded) {
    super("etcd is not reachable");
    this.check = check;
    this.nanoTime = nanoTime;
    this.start = start;
    this.embedded = embedded;
  }

  @Override
  protected void doHealthCheck(Health.Builder builder) {
    String embeddedTrouble = embedded.trouble();
    if (embeddedTrouble != null) {
      // the gateway refuses the read meanwhile: its error would only repeat the trouble, and a
      // revision or a start's findings would describe an etcd that is not running
      builder.down().withDetail("embedded", embeddedTrouble);
      return;
    }
    Health health = current();
    Status status = health.getStatus();
    builder.status(status).withDetails(health.getDetails());
    if (Status.UP.equals(status)) {
      start.forget();
      return;
    }
    StartFindings.Found found = start.found();
    if (found != null) {
      builder.withDetail("start", found.details());
    }
  }

  /** The answer of the latest check while it is fresh, else of a new one (one at a time). */
  private Health current() {
    Checked c = last;
    if (fresh(c)) {
      return c.health();
    }
    synchronized (checking) {
      c = last;
      if (fresh(c)) {
        return c.health(); // checked while this caller waited
      }
      Health health = check.get();
      last = new Checked(health, nanoTime.getAsLong());
      return health;
    }
  }

  private boolean fresh(Checked c) {
    return c != null && nanoTime.getAsLong() - c.atNanos() < FRESH.toNanos();
  }
}
