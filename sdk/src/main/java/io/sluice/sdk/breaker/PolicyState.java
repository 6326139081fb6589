package io.sluice.sdk.breaker;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.sluice.rules.BreakerPolicy;
import io.sluice.rules.BreakerScope;

/**
 * One breaker policy as the registry runs it: the policy, its settings and the Resilience4j
 * configuration built from them. An unchanged policy keeps its {@code PolicyState} object across
 * snapshots, so a breaker bound to it is recognized as current by identity.
 */
final class PolicyState {

  final String name;
  final BreakerPolicy policy;
  final BreakerSettings settings;
  final CircuitBreakerConfig config;
  final boolean ruleScoped;
  final boolean shadow;
  final long slowCallNanos;

  /** How long a half-open breaker whose trial calls are all taken may go without an outcome. */
  final long maxHalfOpenMillis;

  /**
   * What one breaker of this policy weighs in the target cache, in targets: Resilience4j allocates
   * a breaker's window (and its half-open window) up front, about 44 bytes a slot, and 64 slots
   * weigh about what a target's own statistics do. So a window of 1000 calls with 1000 trial calls
   * weighs 32 targets, the default window of 20 one. The one counts what the breaker holds besides
   * its windows: its state machine, call and transition counts, metric attributes and cached
   * rejections, about 2.7 KB (64 slots) once it has had calls of every outcome and made
   * transitions; so a breaker keeps no more than that (see {@code
   * ManagedBreaker#TRANSITION_SLOTS}).
   */
  final int breakerWeight;

  /** Window slots that weigh as much as one target in the cache. */
  static final int SLOTS_PER_TARGET = 64;

  /**
   * Grows with every policy object made, so a newer version of a policy always has a higher
   * generation: a call that matched an older snapshot must never retune a breaker back to it.
   */
  final long generation = GENERATIONS.incrementAndGet();

  private static final java.util.concurrent.atomic.AtomicLong GENERATIONS =
      new java.util.concurrent.atomic.AtomicLong();

  /** The rule-scoped breaker, once created (only when {@link #ruleScoped}). */
  volatile ManagedBreaker ruleBreaker;

  PolicyState(BreakerPolicy policy, CircuitBreakerConfig config) {
    this.name = policy.name();
    this.policy = policy;
    this.settings = BreakerSettings.of(policy);
    this.config = config;
    this.ruleScoped = policy.scope() == BreakerScope.RULE;
    this.shadow = policy.shadow();
    this.slowCallNanos = policy.slowCallDuration().toNanos();
    this.maxHalfOpenMillis = settings.maxWaitInHalfOpenState().toMillis();
    this.breakerWeight =
        1 + (policy.slidingWindow().size() + policy.halfOpenCalls()) / SLOTS_PER_TARGET;
  }

  boolean isFailureStatus(int status) {
    return policy.isFailureStatus(status);
  }
}
