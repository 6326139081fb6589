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
   * What one breaker of this policy weighs in the target cache, in targets (see {@link
   * #breakerWeight(int)}): 2 for the default window of 20 calls with 3 trial calls, 33 for a window
   * of 1000 calls with 1000 trial calls.
   */
  final int breakerWeight;

  /**
   * About what Resilience4j allocates for each slot of a breaker's windows, up front: a measurement
   * and the reference to it (44 bytes with compressed references, heaps under 32 GB).
   */
  static final int SLOT_BYTES = 44;

  /**
   * Window slots that make one unit of the cache's weight, which {@code maxTargets} counts: 2816
   * bytes. A target on its own (its key, statistics and minute buckets, about 1 KB; 1.5 KB with a
   * host name of 253 characters) weighs one unit too, so a cache of targets without breakers holds
   * well under what its bound allows.
   */
  static final int SLOTS_PER_TARGET = 64;

  /** The bytes of one unit of the cache's weight. */
  static final int BYTES_PER_TARGET = SLOTS_PER_TARGET * SLOT_BYTES;

  /**
   * What a breaker holds besides its windows, with a margin: its Resilience4j state machine and
   * state, call and transition counts, metric attributes and the two rejections it caches. Once it
   * has had calls of every outcome, made transitions and refused calls, that is about 2 KB, and 2.5
   * KB with a host name of 253 characters (the longest a DNS name is), which its Resilience4j name
   * and its rejections' messages hold. So a breaker keeps no more than that (see {@link
   * ManagedBreaker#TRANSITION_SLOTS}); {@code BreakerFootprintTest} checks it.
   */
  static final int BREAKER_OWN_BYTES = 4096;

  /**
   * The weight of a breaker whose windows have {@code slots} slots in all: its own bytes and its
   * windows' in units of {@link #BYTES_PER_TARGET}, rounded up, so a breaker is never counted as
   * less than it holds.
   */
  static int breakerWeight(int slots) {
    long bytes = BREAKER_OWN_BYTES + (long) slots * SLOT_BYTES;
    return (int) ((bytes + BYTES_PER_TARGET - 1) / BYTES_PER_TARGET);
  }

  /**
   * Grows with every policy object made, so a newer version of a policy always has a higher
   * generation: a call that matched an older snapshot must never retune a breaker back to it.
   */
  final long generation = GENERATIONS.incrementAndGet();

  private static final java.util.concurrent.atomic.AtomicLong GENERATIONS =
      new java.util.concurrent.atomic.AtomicLong();

  /**
   * Whether each status below {@link #TABULATED_STATUSES} is a failure, a bit each: every call's
   * outcome is judged by its status, and scanning the policy's ranges cost more than this one read.
   */
  private final long[] failureStatuses = new long[TABULATED_STATUSES / Long.SIZE];

  /** Statuses judged by {@link #failureStatuses}: every HTTP status (100 to 599) and then some. */
  private static final int TABULATED_STATUSES = 1024;

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
    this.breakerWeight = breakerWeight(policy.slidingWindow().size() + policy.halfOpenCalls());
    for (int status = 0; status < TABULATED_STATUSES; status++) {
      if (policy.isFailureStatus(status)) {
        failureStatuses[status >>> 6] |= 1L << status;
      }
    }
  }

  /** Whether {@code status} counts as a failure under this policy. */
  boolean isFailureStatus(int status) {
    if (status >= 0 && status < TABULATED_STATUSES) {
      return (failureStatuses[status >>> 6] & (1L << status)) != 0;
    }
    return policy.isFailureStatus(status);
  }
}
