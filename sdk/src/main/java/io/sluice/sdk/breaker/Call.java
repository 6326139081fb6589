package io.sluice.sdk.breaker;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;

/**
 * A permitted call: remembers where its outcome goes, and takes only the first outcome (or close).
 * {@code breaker} is null for a call no policy covers (only the target statistics see it); {@code
 * circuitBreaker} is null when a shadow-mode breaker would have rejected it (its outcome then must
 * not reach the breaker, which did not grant a permission). The circuit breaker is the exact
 * instance that granted the permission, so a retune in between never credits an outcome to a
 * breaker that did not let the call through.
 */
final class Call implements GuardedCall {

  final BreakerRegistry registry;
  final Target target;
  final PolicyState policy;
  final ManagedBreaker breaker;
  final CircuitBreaker circuitBreaker;
  final long startNanos;

  /**
   * Whether an outcome was reported or the call closed. A plain field: one caller reports a call
   * (on whichever thread its client completes it), so this only stops a second report from the same
   * caller counting the call twice, at no cost on the request path.
   */
  private boolean ended;

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
    if (end()) {
      registry.complete(this, status, null);
    }
  }

  @Override
  public void onError(Throwable error) {
    if (end()) {
      registry.complete(this, 0, error == null ? FailureStatus.INSTANCE : error);
    }
  }

  @Override
  public void close() {
    if (end()) {
      registry.abandon(this);
    }
  }

  /** Marks the call ended; true the first time only. */
  private boolean end() {
    if (ended) {
      return false;
    }
    ended = true;
    return true;
  }
}
