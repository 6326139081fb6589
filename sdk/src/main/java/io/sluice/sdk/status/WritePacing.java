package io.sluice.sdk.status;

import io.sluice.rules.wire.AgentStatus;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Decides whether a status is written now: not while backing off after failed writes, not when it
 * differs from the one last written by nothing meaningful ({@link StatusChange}) and that one is
 * still recent, otherwise yes.
 *
 * <p>Every write is an etcd revision, and every failed attempt costs the etcd client's retries and
 * log lines, for hours if an outage lasts: this is the one place that weighs both, so the reporter
 * only has to ask and report back. Confined to the reporter's thread; times are {@link
 * System#nanoTime()} readings passed in.
 */
final class WritePacing {

  /**
   * A status without a meaningful change ({@link StatusChange}) is still rewritten this often, with
   * its current figures, and in case its key was removed behind us.
   */
  static final long REWRITE_UNCHANGED_NANOS = TimeUnit.SECONDS.toNanos(60);

  /** Failed writes are retried at most this many refresh intervals apart (15 s by default). */
  static final int MAX_BACKOFF_INTERVALS = 3;

  private final Duration refreshInterval;

  private AgentStatus lastWritten;
  private long lastPutNanos;
  private int failedWrites;
  private long retryAfterNanos;
  private boolean attemptNow;

  WritePacing(Duration refreshInterval) {
    this.refreshInterval = refreshInterval;
  }

  /** Whether writes failed lately and the next attempt is not due yet. */
  boolean backingOff(long nowNanos) {
    return failedWrites > 0 && !attemptNow && nowNanos - retryAfterNanos < 0;
  }

  /**
   * The key was deleted, as a watch told: the next status is written whatever it holds, and at
   * once, not after the rest of a backoff (etcd has just answered). Once etcd is back from an
   * outage longer than the lease's TTL, the lease it restored expires with the key a TTL later, and
   * the agent was gone from the control plane until the retry up to {@link #MAX_BACKOFF_INTERVALS}
   * intervals after.
   */
  void keyDeleted() {
    lastWritten = null;
    attemptNow = true;
  }

  /** Whether the last write failed, so the next one is a retry. */
  boolean retrying() {
    return failedWrites > 0;
  }

  /**
   * Whether {@code status} can be skipped: written before under the lease still held, nothing
   * meaningful changed since, and the periodic rewrite not due.
   */
  boolean unchanged(AgentStatus status, boolean leaseHeld, long nowNanos) {
    return lastWritten != null
        && leaseHeld
        && !StatusChange.isMeaningful(lastWritten, status)
        && nowNanos - lastPutNanos < REWRITE_UNCHANGED_NANOS;
  }

  /**
   * {@code status} was written (in full or minimal: the full status is what the write stands for,
   * so the minimal one is written again only on a meaningful change or the periodic rewrite).
   */
  void written(AgentStatus status, long nowNanos) {
    lastWritten = status;
    lastPutNanos = nowNanos;
    failedWrites = 0;
    attemptNow = false;
  }

  /**
   * A write begun at {@code begunNanos} failed: the next one writes whatever it has, at the refresh
   * one interval after that write's, then two, then {@link #MAX_BACKOFF_INTERVALS} intervals after.
   *
   * <p>Counted from when the failing write began, not from when it failed: refreshes come every
   * interval whatever a write takes, so a wait counted from the failure (a moment to a call's
   * timeout after the write's refresh) always let one more refresh by, and retries came 2, 3 and 4
   * intervals apart. Half an interval of slack lets the due refresh through although it may come a
   * little earlier than the interval after the write, which began a little after its refresh.
   */
  void failed(long begunNanos) {
    lastWritten = null;
    attemptNow = false;
    failedWrites++;
    long intervals = Math.min(MAX_BACKOFF_INTERVALS, 1L << Math.min(failedWrites - 1, 10));
    long interval = refreshInterval.toNanos();
    retryAfterNanos = begunNanos + interval * intervals - interval / 2;
  }

  /** The key may be gone (its lease is): the next status is written whatever it holds. */
  void forgetWritten() {
    lastWritten = null;
  }

  /** The longest wait between failed attempts, for the log. */
  Duration maxBackoff() {
    return refreshInterval.multipliedBy(MAX_BACKOFF_INTERVALS);
  }
}
