package io.sluice.sdk.breaker;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;

/**
 * A permitted call: remembers where its outcome goes, and takes only the first outcome (or close,
 * or discard). {@code breaker} is null for a call no policy covers (only the target statistics see
 * it); {@code circuitBreaker} is null when a shadow-mode breaker would have rejected it (its
 * outcome then must not reach the breaker, which did not grant a permission). The circuit breaker
 * is the exact instance that granted the permission, so a retune in between never credits an
 * outcome to a breaker that did not let the call through. A half-open breaker's trial call is a
 * {@link TrialCall}, which remembers the half-open period it holds a permission of.
 */
class Call implements GuardedCall {

  /**
   * Where the outcome goes, until the call ended (an outcome reported, or closed): then null. A
   * plain field, also serving as the call's "ended" flag so a call stays a 40-byte object: one
   * caller reports a call (on whichever thread its client completes it), so this only stops a
   * second report from the same caller counting the call twice, at no cost on the request path.
   */
  private BreakerRegistry registry;

  final Target target;
  final PolicyState policy;
  final ManagedBreaker breaker;
  final CircuitBreaker circuitBreaker;

  /**
   * When the call started, moved on by the waits taken out of its duration ({@link
   * #excludeFromDuration}); written by its caller only, as {@link #registry} is.
   */
  long startNanos;

  Call(
      BreakerRegistry registry,
      Target target,
      PolicyState policy,
      ManagedBreaker breaker,
      CircuitBreaker circuitBreaker,
      long startNanos) {
    this.registry = registry;
    this.target = target;
    this.policy = policy;
    this.breaker = breaker;
    this.circuitBreaker = circuitBreaker;
    this.startNanos = startNanos;
  }

  @Override
  public boolean permitted() {
    return true;
  }

  @Override
  public Rejection rejection() {
    return null;
  }

  @Override
  public void onResponse(int status) {
    BreakerRegistry r = end();
    if (r != null) {
      r.complete(this, status, null);
    }
  }

  @Override
  public void onError(Throwable error) {
    BreakerRegistry r = end();
    if (r != null) {
      r.complete(this, 0, error == null ? FailureStatus.INSTANCE : error);
    }
  }

  @Override
  public void close() {
    BreakerRegistry r = end();
    if (r != null) {
      r.abandon(this);
    }
  }

  @Override
  public void discard() {
    BreakerRegistry r = end();
    if (r != null) {
      r.discard(this);
    }
  }

  @Override
  public void excludeFromDuration(long nanos) {
    if (nanos > 0 && registry != null) {
      startNanos += nanos;
    }
  }

  /**
   * The half-open period whose trial permission this call holds ({@link
   * ManagedBreaker#grantedTrial}); -1 for a call let through by a closed breaker, whose permission
   * is no one's to give back.
   */
  int trialPeriod() {
    return -1;
  }

  /** Ends the call: its registry the first time, null after. */
  private BreakerRegistry end() {
    BreakerRegistry r = registry;
    registry = null;
    return r;
  }
}
