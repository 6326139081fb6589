package io.sluice.sdk.breaker;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.util.Arrays;
import java.util.List;

/**
 * The targets of one host, the value of the registry's cache. The cache is keyed by the host string
 * the caller already holds, so a lookup allocates no {@code host:port} key; the few ports of a host
 * are scanned. Immutable: adding a port replaces the value (and re-weighs it), and a value the
 * cache replaced or removed is {@linkplain #retire() retired}.
 */
final class HostTargets {

  /** The host, as the cache keys it; every target's. */
  final String host;

  final Target[] targets;

  /**
   * Set once the cache no longer holds this value (replaced, expired, weighed out), so the table
   * that fronts the cache stops handing it out (see {@code BreakerRegistry#target}).
   */
  private volatile boolean retired;

  /** A host's targets; at least one, all of the same host. */
  HostTargets(Target[] targets) {
    this.host = targets[0].host;
    this.targets = targets;
  }

  /** Marks this value as no longer the cache's (see {@link #retired}). */
  void retire() {
    retired = true;
  }

  /** Whether the cache no longer holds this value. */
  boolean retired() {
    return retired;
  }

  /** Whether this value is the cache's for {@code host}, as far as its retirement tells. */
  boolean holds(String host) {
    return !retired && (this.host == host || this.host.equals(host));
  }

  /** What the cache last weighed this entry at (see {@link #weigh()}). */
  private volatile int weighed;

  /** What this host's targets weigh in the cache now (see {@link Target#weight()}). */
  int weight() {
    int weight = 0;
    for (Target t : targets) {
      weight += t.weight();
    }
    return weight;
  }

  /** The cache's weigher: the weight now, remembered as what the cache holds for this entry. */
  int weigh() {
    int weight = weight();
    weighed = weight;
    return weight;
  }

  /**
   * Whether the cache should weigh this entry again after a retune: when it weighs more now than
   * the cache thinks (the bound must hold), or less and one of its targets had a call since {@code
   * usedSinceNanos}. Weighing is a write, which counts as an access: an idle host is left as it is,
   * weighing more than it does until it expires, rather than be kept from expiring.
   */
  boolean toWeighAgain(long usedSinceNanos) {
    int weight = weight();
    if (weight > weighed) {
      return true;
    }
    if (weight == weighed) {
      return false;
    }
    for (Target t : targets) {
      if (t.touchedNanos - usedSinceNanos > 0) {
        return true;
      }
    }
    return false;
  }

  /**
   * A breaker of this host's targets that is not CLOSED (open, half-open), or null. Its inner
   * breaker's state as it stands: nothing noticed, told or moved (unlike {@link
   * ManagedBreaker#state()}), as for a host the cache has just let go.
   */
  ManagedBreaker firstNotClosed() {
    for (Target t : targets) {
      for (ManagedBreaker b : t.breakers()) {
        if (b.stateNow() != CircuitBreaker.State.CLOSED) {
          return b;
        }
      }
    }
    return null;
  }

  /** Drops every target's breakers: the cache evicted this host (see {@link Target#drop()}). */
  void drop() {
    for (Target t : targets) {
      t.drop();
    }
  }

  Target find(int port) {
    for (Target t : targets) {
      if (t.port == port) {
        return t;
      }
    }
    return null;
  }

  /** Whether a target of this host had no call heard of for more than {@code idleNanos}. */
  boolean anyIdle(long nowNanos, long idleNanos) {
    for (Target t : targets) {
      if (nowNanos - t.touchedNanos > idleNanos) {
        return true;
      }
    }
    return false;
  }

  /**
   * This host without its targets idle for more than {@code idleNanos}, which are added to {@code
   * forgotten}: this very value when none is, null when all are.
   */
  HostTargets withoutIdle(long nowNanos, long idleNanos, List<Target> forgotten) {
    Target[] kept = new Target[targets.length];
    int n = 0;
    for (Target t : targets) {
      if (nowNanos - t.touchedNanos > idleNanos) {
        forgotten.add(t);
      } else {
        kept[n++] = t;
      }
    }
    if (n == targets.length) {
      return this;
    }
    return n == 0 ? null : new HostTargets(Arrays.copyOf(kept, n));
  }

  HostTargets with(Target target) {
    Target[] next = Arrays.copyOf(targets, targets.length + 1);
    next[targets.length] = target;
    return new HostTargets(next);
  }
}
