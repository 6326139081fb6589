package io.sluice.sdk.status;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.LeaseOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The earliest moment a lease can run out by itself, for tests that tell a status key deleted by
 * close()'s revoke from one deleted by its lease running out: a key gone before then was revoked,
 * however slow the machine. A fixed bound after close() (a few seconds) told them apart only while
 * etcd answered the revoke within it, which a loaded two-core machine does not promise.
 *
 * @param earliestNanos a {@link System#nanoTime()} reading before which the lease cannot expire
 */
public record LeaseExpiry(long earliestNanos) {

  /**
   * Asks etcd through {@code client} how long lease {@code id} has left. Renewals after this only
   * push its end later; etcd counts from when it answered, after this was asked.
   */
  public static LeaseExpiry of(Client client, long id) throws Exception {
    long asked = System.nanoTime();
    long secondsLeft =
        client
            .getLeaseClient()
            .timeToLive(id, LeaseOption.DEFAULT)
            .get(30, TimeUnit.SECONDS)
            .getTTL();
    // whole seconds, maybe rounded up: one less
    return new LeaseExpiry(asked + TimeUnit.SECONDS.toNanos(secondsLeft - 1));
  }

  /**
   * The time left before the lease can run out, as an await's bound: at least a millisecond, so
   * that a bound already past still looks once.
   */
  public Duration left() {
    return Duration.ofNanos(Math.max(earliestNanos - System.nanoTime(), 1_000_000));
  }
}
