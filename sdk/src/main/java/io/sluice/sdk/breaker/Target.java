package io.sluice.sdk.breaker;

import io.sluice.rules.CallTarget;
import java.time.Clock;
import java.util.function.Supplier;

/**
 * One outgoing target {@code host:port}: its traffic statistics and the breakers of the policies
 * that covered calls to it. Lives in the registry's bounded cache (inside {@link HostTargets}), so
 * targets and their breakers are evicted together.
 */
final class Target {

  private static final ManagedBreaker[] NONE = new ManagedBreaker[0];

  final String host;
  final int port;
  final String key;
  final TargetRecorder recorder;

  /** Copy-on-write; read without locking on the request path. */
  private volatile ManagedBreaker[] breakers = NONE;

  /** The policy that covered the last guarded call; racy by design (a statistic). */
  volatile String coveredBy;

  /** When the cache last heard of a call to this target (see BreakerRegistry#target). */
  volatile long touchedNanos;

  /** Set once the cache evicted this target (under this target's lock); see {@link #drop()}. */
  private boolean dropped;

  /** The policies whose host and port parts hold for this target, for one snapshot. */
  private volatile Candidates candidates;

  /** The candidate policies of one snapshot: indexes, and as bits (see {@link CallIndex#mask}). */
  private record Candidates(RegistryState state, int[] indexes, long mask) {}

  /** The candidate policy indexes for {@code state}, computed once per snapshot. */
  int[] candidates(RegistryState state) {
    return candidatesOf(state).indexes;
  }

  /**
   * The index of {@code state}'s first policy that covers a call to this target with {@code method}
   * and {@code path}, or {@link io.sluice.rules.CompiledRules#NO_MATCH}.
   */
  int match(RegistryState state, String method, String path) {
    Candidates c = candidatesOf(state);
    return state.calls.match(c.indexes, c.mask, method, path);
  }

  private Candidates candidatesOf(RegistryState state) {
    Candidates c = candidates;
    if (c == null || c.state != state) {
      int[] indexes = state.calls.candidates(host, port);
      c = new Candidates(state, indexes, CallIndex.mask(indexes));
      candidates = c;
    }
    return c;
  }

  Target(String host, int port, long nowNanos) {
    this.host = host;
    this.port = port;
    this.key = CallTarget.key(host, port);
    this.recorder = new TargetRecorder(nowNanos);
    this.touchedNanos = nowNanos;
  }

  ManagedBreaker[] breakers() {
    return breakers;
  }

  /** The breaker of {@code policy} for this target, or null before its first use. */
  ManagedBreaker breaker(PolicyState policy) {
    for (ManagedBreaker b : breakers) {
      if (b.policyName.equals(policy.name)) {
        return b;
      }
    }
    return null;
  }

  /**
   * What this target weighs in the cache, in targets: 1 for itself and its statistics, plus each
   * breaker's {@link PolicyState#breakerWeight}.
   */
  int weight() {
    int weight = 1;
    for (ManagedBreaker b : breakers) {
      weight += b.binding().policy.breakerWeight;
    }
    return weight;
  }

  /**
   * The breaker of {@code policy} for this target, created if it has none yet. It is kept (and so
   * listed and metered) only while {@code current}'s snapshot still has the policy cover this
   * target: a call that matched an older snapshot may get here after {@link #retune} applied a
   * newer one in which the policy is gone or no longer covers this target (its host or port part
   * changed). Kept, that breaker would be listed by its name until the next snapshot; instead it
   * guards that one call and is kept nowhere.
   */
  synchronized ManagedBreaker add(
      PolicyState policy,
      long nowNanos,
      Clock clock,
      BreakerTelemetry telemetry,
      Supplier<RegistryState> current) {
    ManagedBreaker existing = breaker(policy);
    if (existing != null) {
      return existing;
    }
    ManagedBreaker created = new ManagedBreaker(policy, key, clock, telemetry);
    created.usedNanos = nowNanos;
    // read under the lock retune takes: a retune to a newer snapshot happened before, and its
    // snapshot (or a newer one) is the current one now
    RegistryState now = current.get();
    if (dropped || !covers(now, policy.name)) {
      created.drop();
      return created;
    }
    // a call that matched older rules: the breaker runs the policy in force, as the retune that
    // missed it would have made it (a fresh, closed breaker: nothing carried over, nothing told)
    created.rebind(now.byName(policy.name));
    ManagedBreaker[] before = breakers;
    ManagedBreaker[] next = java.util.Arrays.copyOf(before, before.length + 1);
    next[before.length] = created;
    breakers = next;
    return created;
  }

  /**
   * Whether {@code state} has a target-scoped policy named {@code name} that covers this target.
   */
  private boolean covers(RegistryState state, String name) {
    int i = state.indexOf(name);
    return i >= 0 && !state.policies[i].ruleScoped && contains(candidates(state), i);
  }

  /**
   * Retunes breakers to {@code state}'s policies and drops those of policies that were removed,
   * became rule-scoped, or no longer cover this target (their host or port part changed): such a
   * breaker would guard nothing yet stay listed, in whatever state it was left, for as long as the
   * target gets calls.
   *
   * <p>What the retunes noticed (a wait that is over, a change of shadow mode) is told after this
   * target's lock is let go: a slow log handler or listener then holds up the rule source's thread
   * only, not the calls that need a breaker added to this target meanwhile.
   */
  void retune(RegistryState state) {
    for (ManagedBreaker b : rebind(state)) {
      b.tell();
    }
  }

  /** Rebinds and drops as {@link #retune} says, telling nothing; returns the breakers kept. */
  private synchronized ManagedBreaker[] rebind(RegistryState state) {
    int[] covering = candidates(state);
    ManagedBreaker[] current = breakers;
    int kept = 0;
    ManagedBreaker[] next = new ManagedBreaker[current.length];
    for (ManagedBreaker b : current) {
      int i = state.indexOf(b.policyName);
      PolicyState policy = i < 0 ? null : state.policies[i];
      if (policy != null && !policy.ruleScoped && contains(covering, i)) {
        b.rebind(policy);
        next[kept++] = b;
      } else {
        b.drop();
      }
    }
    breakers = kept == current.length ? next : java.util.Arrays.copyOf(next, kept);
    String covered = coveredBy;
    if (covered != null) {
      int i = state.indexOf(covered);
      if (i < 0 || !contains(covering, i)) {
        coveredBy = null;
      }
    }
    return breakers;
  }

  /** Whether a breaker of this target had no call for longer than {@code idleNanos}. */
  boolean anyIdleBreaker(long nowNanos, long idleNanos) {
    for (ManagedBreaker b : breakers) {
      if (nowNanos - b.usedNanos > idleNanos) {
        return true;
      }
    }
    return false;
  }

  /**
   * Drops the breakers that no call got for longer than {@code idleNanos} while the target stayed
   * busy: their policy still covers the target's host and port, but its method or path no longer
   * matches the calls made to it (a retune narrowed it, or the app stopped calling those paths).
   * Kept, such a breaker guards nothing yet stays listed and metered in whatever state it was left
   * (half-open for ever, the trial calls never coming), and the target stays "covered" by its
   * policy. A later call its policy matches again starts a fresh, closed one, as a call to a target
   * forgotten when idle does. A call that got the breaker just before (the first in a whole idle
   * expiry) runs on it as dropped, let through and counted nowhere, as a call racing an eviction
   * does. Returns whether any was dropped.
   */
  synchronized boolean forgetIdleBreakers(long nowNanos, long idleNanos) {
    ManagedBreaker[] current = breakers;
    ManagedBreaker[] next = new ManagedBreaker[current.length];
    int kept = 0;
    for (ManagedBreaker b : current) {
      if (nowNanos - b.usedNanos > idleNanos) {
        b.drop();
        if (b.policyName.equals(coveredBy)) {
          coveredBy = null;
        }
      } else {
        next[kept++] = b;
      }
    }
    if (kept == current.length) {
      return false;
    }
    breakers = java.util.Arrays.copyOf(next, kept);
    return true;
  }

  /**
   * Drops this target's breakers, the cache having evicted it (see {@link ManagedBreaker#drop()}),
   * and any a call that still holds the target adds to it later.
   */
  synchronized void drop() {
    dropped = true;
    for (ManagedBreaker b : breakers) {
      b.drop();
    }
  }

  private static boolean contains(int[] indexes, int i) {
    for (int candidate : indexes) {
      if (candidate == i) {
        return true;
      }
    }
    return false;
  }
}
