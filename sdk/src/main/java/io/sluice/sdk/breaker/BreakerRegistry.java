package io.sluice.sdk.breaker;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Policy;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.api.metrics.ObservableLongCounter;
import io.opentelemetry.api.metrics.ObservableLongGauge;
import io.sluice.rules.CallTarget;
import io.sluice.rules.CompiledRules;
import io.sluice.rules.wire.AgentStatus;
import io.sluice.sdk.ActiveRules;
import io.sluice.sdk.ActiveRulesHolder;
import io.sluice.sdk.FirstFailureLog;
import io.sluice.sdk.QuietLog;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The circuit breakers of the current rules, on Resilience4j, as a {@link CallGuard} for HTTP
 * client instrumentation. Build one per process with {@link #builder(ActiveRulesHolder)}; {@link
 * #close()} it when done.
 *
 * <p>A call {@code (host, port, method, path)} is matched against the breaker policies of the
 * current {@link ActiveRules} snapshot; the first match decides. Its breaker is keyed by the target
 * {@code host:port}, or is one per policy with {@code "scope": "rule"}. Exceptions and the policy's
 * {@code failureStatusCodes} count as failures; calls slower than {@code slowCallDuration},
 * measured from {@link #start}, count as slow.
 *
 * <ul>
 *   <li><b>Bounded memory.</b> Targets (with their breakers and traffic statistics) live in a
 *       Caffeine cache bounded by {@link Builder#maxTargets} and expiring after {@link
 *       Builder#idleExpiry} without calls. An evicted breaker's state is forgotten, and so is a
 *       busy target's breaker that no call got for that long (its policy no longer matches the
 *       calls made to it).
 *   <li><b>Retune without losing state.</b> On a new snapshot an unchanged policy keeps its
 *       breakers untouched; a changed policy's breakers get a new Resilience4j breaker that starts
 *       in the old one's state (an OPEN breaker stays OPEN until it opened plus the policy's wait;
 *       the window's contents are not carried, see {@code ManagedBreaker}); a removed policy's
 *       breakers are dropped, and so is a policy's breaker for a target its host or port no longer
 *       covers. Metrics and status keep their breaker identity across the swap.
 *   <li><b>Shadow mode.</b> A policy with {@code shadow: true} runs its breakers and reports every
 *       transition they would make, but never rejects: a would-be rejection is counted as {@code
 *       shadow_rejected} and the call proceeds.
 *   <li><b>Telemetry.</b> {@code sluice.breaker.state} (gauge: 0 closed, 1 open, 2 half-open, 3
 *       other; by {@code sluice.breaker.policy}, {@code sluice.breaker.key} and {@code
 *       sluice.breaker.shadow}), {@code sluice.breaker.calls} (counter by {@code
 *       sluice.breaker.outcome}: {@code success}, {@code slow}, {@code failure}, {@code rejected},
 *       {@code shadow_rejected}) and {@code sluice.breaker.transitions}; {@link
 *       #addTransitionListener} hears of each transition as it is noticed. A rejected call adds the
 *       event {@code sluice.breaker.rejected} to the current span, and marks it as an error when it
 *       is a CLIENT span ({@code sluice.breaker.shadow_rejected}, no error, in shadow mode).
 *   <li><b>Status.</b> {@link #breakerStates()} and {@link #targetStats()} feed the agent status:
 *       every call is counted per target, also calls no policy covers, so unprotected dependencies
 *       show up.
 * </ul>
 *
 * <p>{@link #start} never throws: a failure inside Sluice is logged once and the call proceeds
 * unguarded. Per permitted call it allocates one small {@link GuardedCall} (which holds the start
 * time) and otherwise only what Resilience4j itself allocates.
 */
public final class BreakerRegistry implements CallGuard, AutoCloseable {

  private static final Logger logger = Logger.getLogger(BreakerRegistry.class.getName());

  private final ActiveRulesHolder holder;
  private final Clock clock;
  private final LongSupplier nanoTime;
  private final boolean automaticHalfOpen;
  private final BreakerTelemetry telemetry;
  private final Cache<String, HostTargets> targets;
  private final Map<String, ManagedBreaker> ruleBreakers = new ConcurrentHashMap<>();

  /**
   * Held by {@link #onRules} while it puts a state in place and goes through {@link #ruleBreakers},
   * and by a call that finds the policy of the rule-scoped breaker it put there gone (see {@link
   * #ruleBreaker}).
   */
  private final Object ruleBreakersLock = new Object();

  private final Consumer<ActiveRules> listener = this::onRules;

  /** The current state as last refreshed, for {@link Target#add}; one object, made once. */
  private final Supplier<RegistryState> states = () -> this.state;

  private final ObservableLongGauge stateGauge;
  private final ObservableLongCounter callCounter;
  private final ObservableLongCounter transitionCounter;
  private volatile RegistryState state;
  private final FirstFailureLog failureLog =
      new FirstFailureLog(logger, "circuit breaker failed; calls proceed unguarded");
  private final Policy<String, HostTargets> quiet;
  private static final long TOUCH_NANOS = 1_000_000_000L;
  private static final int MAX_SPELLINGS = 256;

  /** Finds a call's host before the cache does (see {@link HostFront}). */
  private final HostFront front = new HostFront();

  /** IPv6 literals as callers spell them, and as targets are kept; see {@link #canonicalHost}. */
  private final Map<String, String> ipv6Spellings = new ConcurrentHashMap<>();

  /**
   * The cache's notion of time: the latest call's start time, refreshed at most once a millisecond.
   * Idle expiry works in minutes, and reading the clock is the most expensive part of a call on
   * some machines (System.nanoTime() took 80+ ns on the build machine), so the cache reuses the
   * time {@link #start} read anyway instead of reading the clock again on every lookup.
   */
  private volatile long cacheNanos;

  /**
   * How long a target may go without a call heard of before it is forgotten: the idle expiry, plus
   * the most by which the cache's hearing of calls lags the latest one (see {@link #target}).
   */
  private final long idleNanos;

  private BreakerRegistry(Builder b) {
    this.holder = b.holder;
    this.clock = b.clock;
    this.nanoTime = b.nanoTime != null ? b.nanoTime : defaultNanoTime(b.clock);
    this.automaticHalfOpen = b.automaticHalfOpen;
    if (automaticHalfOpen) {
      AutoTransitionThread.prestart();
    }
    this.telemetry = new BreakerTelemetry(b.meterProvider);
    this.cacheNanos = nanoTime.getAsLong();
    this.idleNanos = saturatedNanos(b.idleExpiry, TOUCH_NANOS);
    this.targets =
        Caffeine.newBuilder()
            .maximumWeight(b.maxTargets)
            .<String, HostTargets>weigher((host, value) -> value.weigh())
            // the cache hears of a target's calls at most once per TOUCH_NANOS (see target()), so
            // it may last have heard of one that long before its latest call: waiting that much
            // longer keeps a target at least idleExpiry after its latest call, where an expiry
            // shorter than TOUCH_NANOS would otherwise forget a busy target, open breaker and all
            .expireAfterAccess(Duration.ofNanos(idleNanos))
            .ticker(() -> cacheNanos)
            // an evicted (expired or weighed out) host's breakers tell no more transitions; a
            // value replaced to be weighed again keeps its targets, and is no eviction
            .<String, HostTargets>evictionListener(
                (host, value, cause) -> {
                  if (value != null) {
                    value.drop();
                  }
                })
            // any value the cache no longer holds (replaced too) leaves the front table; a host
            // weighed out with an open breaker is said here, after the eviction's own map
            // operation (the eviction listener runs inside it: a log handler that called back
            // into the cache there would update the map recursively)
            .<String, HostTargets>removalListener(
                (host, value, cause) -> {
                  if (value != null) {
                    front.remove(value);
                    if (cause == RemovalCause.SIZE) {
                      weighedOut(value, b.maxTargets);
                    }
                  }
                })
            .executor(Runnable::run)
            .build();
    this.quiet = targets.policy();
    this.state = new RegistryState(holder.current(), null, clock, automaticHalfOpen);
    holder.addListener(listener);
    // a snapshot published between the first build and the listener's registration is told to no
    // listener of this registry, and calls do not look for one: catch up with it here
    refresh();
    this.stateGauge =
        telemetry
            .meter
            .gaugeBuilder("sluice.breaker.state")
            .setDescription(
                "Circuit breaker state: 0 closed, 1 open, 2 half-open, 3 other (in shadow mode:"
                    + " the state it would be in)")
            .ofLongs()
            .buildWithCallback(
                m -> forEachBreaker(b2 -> m.record(stateCode(b2.state()), b2.stateAttributes())));
    this.callCounter = telemetry.observeCalls(this::forEachBreaker);
    this.transitionCounter = telemetry.observeTransitions(this::forEachBreaker);
  }

  /** Starts a builder; {@code holder} supplies the rules. */
  public static Builder builder(ActiveRulesHolder holder) {
    return new Builder(holder);
  }

  /** {@code duration} plus {@code nanos} in nanoseconds, {@code Long.MAX_VALUE} past that. */
  private static long saturatedNanos(Duration duration, long nanos) {
    try {
      return duration.plusNanos(nanos).toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  /**
   * The longest host a call is guarded for: the longest DNS name. A longer one reaches no server,
   * and tracking it would hold its text (a URL an app's user supplied can carry megabytes) in every
   * target's key, breaker name and metric attribute, past the memory bound, which counts a target
   * as holding a host of at most this.
   */
  static final int MAX_HOST_LENGTH = 253;

  /** Whether {@link #weighedOut} has warned; later evictions are said at FINE. */
  private volatile boolean weighedOutTold;

  private static LongSupplier defaultNanoTime(Clock clock) {
    if (clock.equals(Clock.systemUTC()) || clock.equals(Clock.systemDefaultZone())) {
      return System::nanoTime;
    }
    return () -> TimeUnit.MILLISECONDS.toNanos(clock.millis());
  }

  @Override
  public GuardedCall start(String host, int port, String method, String path) {
    if (host == null || host.length() > MAX_HOST_LENGTH) {
      return GuardedCall.UNGUARDED;
    }
    // a permission granted here and not handed to a Call: given back whatever failed after it (a
    // half-open breaker's trial permission would otherwise stay taken until the stuck-trial check)
    CircuitBreaker granted = null;
    try {
      long now = nanoTime.getAsLong();
      if (now - cacheNanos > 1_000_000L) {
        cacheNanos = now;
      }
      RegistryState s = currentState();
      Target target = target(host, port, now);
      int i = target.match(s, method, path == null || path.isEmpty() ? "/" : path);
      PolicyState policy = i == CompiledRules.NO_MATCH ? null : s.policies[i];
      if (policy == null) {
        return new Call(this, target, null, null, null, now);
      }
      if (target.coveredBy != policy.name) {
        target.coveredBy = policy.name;
      }
      ManagedBreaker breaker = policy.ruleScoped ? ruleBreaker(policy) : target.breaker(policy);
      if (breaker == null) {
        breaker = addBreaker(target, policy, now);
      } else if (now - breaker.usedNanos > TOUCH_NANOS) {
        breaker.usedNanos = now;
      }
      ManagedBreaker.Binding binding = breaker.bindingFor(policy);
      CircuitBreaker cb = binding.breaker;
      boolean permitted = cb.tryAcquirePermission();
      if (breaker.binding() != binding) {
        // Rare: a retune swapped the binding since it was read. A replaced breaker's answer is no
        // longer the breaker's: a permission (a disabled breaker permits everything) is given
        // back, and a refusal (made by the old policy's state, maybe a wait the new policy has
        // shortened) does not stand; the bound one is asked, once. A policy-only swap keeps the
        // inner breaker (and its answer), and its newer policy judges the call. Permitted calls
        // made this volatile read before; refused ones (the busy path while a breaker is open)
        // now make it too: one read of a field already in cache, nothing allocated.
        ManagedBreaker.Binding bound = breaker.binding();
        if (bound.breaker != cb) {
          if (permitted) {
            release(cb);
          }
          cb = bound.breaker;
          permitted = cb.tryAcquirePermission();
        }
        binding = bound;
      }
      // The bound version of the policy judges the call (failure status codes, slow calls, shadow):
      // the one its breaker runs, newer than the matched one when a retune came in between.
      PolicyState running = binding.policy;
      if (permitted) {
        granted = cb;
        breaker.observe(cb); // logs a transition (to half-open when this is a trial call)
        int trial = breaker.grantedTrial(cb);
        Call call =
            trial < 0
                ? new Call(this, target, running, breaker, cb, now)
                : new TrialCall(this, target, running, breaker, cb, now, trial);
        granted = null;
        return call;
      }
      breaker.observe(cb);
      breaker.reopenIfTrialCallsStuck(binding, cb);
      RejectedCall rejected = breaker.rejected(binding, cb.getState());
      if (running.shadow) {
        telemetry.count(breaker, Outcome.SHADOW_REJECTED);
        BreakerTelemetry.onRejected(rejected.eventAttributes, rejected.message, true);
        return new Call(this, target, running, breaker, null, now);
      }
      telemetry.count(breaker, Outcome.REJECTED);
      target.recorder.recordRejected(now);
      BreakerTelemetry.onRejected(rejected.eventAttributes, rejected.message, false);
      return rejected;
    } catch (RuntimeException | LinkageError e) {
      logOnce(e);
      return GuardedCall.UNGUARDED;
    } finally {
      if (granted != null) {
        release(granted);
      }
    }
  }

  /**
   * As {@link CallGuard#start(URI, String)} reads the URL, with its host handed over as the URL
   * spells it: the lookup finds a known spelling at once, and an IPv6 literal is read once per
   * spelling (see {@link #canonicalHost}), not on every call. The default method would read it on
   * every call, and allocate a {@link CallTarget} too.
   */
  @Override
  public GuardedCall start(URI url, String method) {
    if (url == null) {
      return GuardedCall.UNGUARDED;
    }
    String host = url.getHost();
    if (host == null) {
      // a host that URI takes for no server name ("payments_svc"): read from the authority
      return CallGuard.super.start(url, method);
    }
    if (host.isEmpty()) {
      return GuardedCall.UNGUARDED;
    }
    String path = url.getRawPath();
    return start(
        host,
        CallTarget.defaultPort(url.getScheme(), url.getPort()),
        method,
        path == null || path.isEmpty() ? "/" : path);
  }

  /** Gives back a permission no call will report on; never throws. */
  private void release(CircuitBreaker cb) {
    try {
      cb.releasePermission();
    } catch (RuntimeException | LinkageError e) {
      logOnce(e);
    }
  }

  /**
   * Says that the cache, full, forgot a host with a breaker that is not CLOSED: its next call gets
   * a CLOSED breaker and goes through, which nothing else would tell (a retune to larger windows
   * can make the breakers of a busy glob outweigh the bound all at once). A WARNING the first time,
   * FINE after; never throws.
   */
  private void weighedOut(HostTargets evicted, long maxTargets) {
    try {
      ManagedBreaker open = evicted.firstNotClosed();
      if (open == null) {
        return;
      }
      boolean first = !weighedOutTold;
      weighedOutTold = true;
      QuietLog.write(
          logger,
          first ? Level.WARNING : Level.FINE,
          "the breaker cache is full ("
              + maxTargets
              + " units): breaker '"
              + open.policyName
              + "' for "
              + open.key
              + " was "
              + open.stateNow()
              + " and is forgotten with its target, so the next call to it goes through; a policy's"
              + " breakers weigh by their windows (slidingWindow.size, halfOpenCalls) over every"
              + " host its glob covers: narrow the glob or the windows"
              + (first ? " (later such evictions are logged at FINE)" : ""),
          null);
    } catch (RuntimeException | LinkageError e) {
      logOnce(e);
    }
  }

  /** Records a permitted call's outcome; never throws. */
  void complete(Call call, int status, Throwable error) {
    long end;
    boolean failed;
    try {
      end = nanoTime.getAsLong();
      PolicyState policy = call.policy;
      failed = error != null || (policy != null ? policy.isFailureStatus(status) : status >= 500);
    } catch (RuntimeException | LinkageError e) {
      giveBack(call, e);
      return;
    }
    try {
      record(call, end, failed, error);
    } catch (RuntimeException | LinkageError e) {
      logOnce(e);
    }
  }

  /**
   * Logs a failure inside Sluice that came before a call's outcome reached its breaker, and gives
   * the call's permission back: the call counts as nothing. Kept, a half-open breaker's trial
   * permission would stay taken until the stuck-trial check reopened the breaker.
   */
  private void giveBack(Call call, Throwable e) {
    logOnce(e);
    try {
      releaseTrial(call);
    } catch (RuntimeException | LinkageError failed) {
      logOnce(failed);
    }
  }

  /**
   * Gives a trial call's permission back to the half-open period that granted it (see {@link
   * ManagedBreaker#inTrialPeriod}); any other permission stays as it is.
   */
  private static void releaseTrial(Call call) {
    CircuitBreaker cb = call.circuitBreaker;
    if (cb != null && call.breaker.inTrialPeriod(cb, call.trialPeriod())) {
      cb.releasePermission(); // no transition: inTrialPeriod has just noticed any there was
    }
  }

  /**
   * Ends a permitted call without an outcome; never throws. A call given up on after its policy's
   * {@code slowCallDuration} was slow (its caller waited that long), so it counts as a slow call,
   * else it gives its permission back and counts as nothing.
   */
  void abandon(Call call) {
    try {
      CircuitBreaker cb = call.circuitBreaker;
      if (cb == null) {
        return;
      }
      long end;
      try {
        end = nanoTime.getAsLong();
      } catch (RuntimeException | LinkageError e) {
        giveBack(call, e);
        return;
      }
      if (end - call.startNanos > call.policy.slowCallNanos) {
        record(call, end, false, null);
      } else {
        releaseTrial(call);
      }
    } catch (RuntimeException | LinkageError e) {
      logOnce(e);
    }
  }

  /**
   * Ends a permitted call that failed for its caller's own reasons: it gives its permission back
   * and counts as nothing, however long it ran (see {@link GuardedCall#discard()}); never throws.
   */
  void discard(Call call) {
    try {
      releaseTrial(call);
    } catch (RuntimeException | LinkageError e) {
      logOnce(e);
    }
  }

  /** Records a call that ended at {@code end} in the target statistics and its breaker. */
  private void record(Call call, long end, boolean failed, Throwable error) {
    long duration = Math.max(0, end - call.startNanos);
    PolicyState policy = call.policy;
    // a policy in shadow mode rejects nothing: its calls count as unguarded, and as shadowed
    boolean shadow = policy != null && policy.shadow;
    call.target.recorder.record(end, duration, failed, policy != null && !shadow, shadow);
    ManagedBreaker breaker = call.breaker;
    CircuitBreaker cb = call.circuitBreaker;
    if (breaker == null || cb == null) {
      return;
    }
    Throwable failure = failed ? (error != null ? error : FailureStatus.INSTANCE) : null;
    // Notices a move made since the last look before the outcome moves the breaker on: an
    // automatic OPEN -> HALF_OPEN that no call saw, and that this outcome (a call let through
    // before the opening, ending late) turns into a reopening, would otherwise look like no
    // transition at all, and the reopened breaker keep its earlier opening time (a retune would
    // then count the new policy's wait from that, and end the fresh wait early). Best effort: a
    // failure here does not keep the outcome from the breaker.
    try {
      breaker.observe(cb);
    } catch (RuntimeException | LinkageError e) {
      logOnce(e);
    }
    // not a call out when the breaker opened, ending in a half-open period: no trial call of it
    if (breaker.judges(cb, call.trialPeriod())) {
      if (failure != null) {
        cb.onError(duration, TimeUnit.NANOSECONDS, failure);
      } else {
        cb.onSuccess(duration, TimeUnit.NANOSECONDS);
      }
    }
    breaker.observeOutcome(cb, duration, failure);
    telemetry.count(
        breaker,
        failed
            ? Outcome.FAILURE
            : duration > policy.slowCallNanos ? Outcome.SLOW : Outcome.SUCCESS);
  }

  /**
   * Logs the first failure; never throws, even when logging does (a broken log handler: the next
   * failure is then logged instead).
   */
  private void logOnce(Throwable e) {
    failureLog.log(e);
  }

  /**
   * The state in force: the one the registry's holder listener built for the newest snapshot it was
   * told of. A call that meets a rule change before the listener has built the new state is judged
   * by the rules in force until then, as one that read the state just before the change is: no
   * policy is compiled on a request thread, and no call waits for a lock while one is.
   */
  private RegistryState currentState() {
    return state;
  }

  /**
   * The state for the holder's current rules, built once. Always the current rules, never the
   * snapshot a caller happened to read: a thread that read an older snapshot and waited for the
   * lock must not set the state back.
   */
  private synchronized RegistryState refresh() {
    RegistryState s = state;
    ActiveRules rules = holder.current();
    if (s.rules == rules) {
      return s;
    }
    RegistryState next = new RegistryState(rules, s, clock, automaticHalfOpen);
    state = next;
    return next;
  }

  /** Applies a new snapshot to every live breaker, off the request path. */
  private void onRules(ActiveRules rules) {
    RegistryState s;
    synchronized (ruleBreakersLock) {
      s = refresh();
      for (Map.Entry<String, ManagedBreaker> e : ruleBreakers.entrySet()) {
        PolicyState policy = s.byName(e.getKey());
        if (policy == null || !policy.ruleScoped) {
          if (ruleBreakers.remove(e.getKey(), e.getValue())) {
            e.getValue().drop();
          }
        } else {
          e.getValue().retune(policy);
          policy.ruleBreaker = e.getValue();
        }
      }
    }
    telemetry.transitionLog.retainOnly(s.policyNames());
    for (HostTargets host : targets.asMap().values()) {
      for (Target t : host.targets) {
        t.retune(s);
      }
    }
    // Retuned and dropped breakers weigh differently: the cache weighs those hosts again, but
    // not idle ones that weigh less now (a write counts as an access, and would keep them from
    // expiring).
    long usedSince = nanoTime.getAsLong() - TimeUnit.MINUTES.toNanos(1);
    for (Map.Entry<String, HostTargets> e : targets.asMap().entrySet()) {
      if (e.getValue().toWeighAgain(usedSince)) {
        weighAgain(e.getKey());
      }
    }
  }

  /**
   * Creates the target's breaker for {@code policy}, and has the cache weigh the target's host
   * again: a breaker's windows can weigh far more than the target itself.
   */
  private ManagedBreaker addBreaker(Target target, PolicyState policy, long now) {
    ManagedBreaker breaker = target.add(policy, now, clock, telemetry, states);
    weighAgain(target.host);
    return breaker;
  }

  /** Has the cache weigh {@code host} again, its targets' breakers having changed. */
  private void weighAgain(String host) {
    targets.asMap().computeIfPresent(host, (k, value) -> new HostTargets(value.targets));
  }

  /**
   * Forgets the breakers of {@code target} that no call got for longer than the idle expiry (see
   * {@link Target#forgetIdleBreakers}), and has the cache weigh its host again. Runs at most once a
   * second per busy target with such a breaker, off the steady state.
   */
  private void forgetIdleBreakers(Target target, long now) {
    if (target.forgetIdleBreakers(now, idleNanos)) {
      weighAgain(target.host);
    }
  }

  /**
   * The rule-scoped breaker of {@code policy}, created on first use. Kept (and so listed and
   * metered) only while the current state still has the policy rule-scoped: a call that matched an
   * older snapshot may create it after {@link #onRules} applied a newer one in which the policy is
   * gone or target-scoped, and a breaker kept then would be listed under the policy's name until
   * the next snapshot (and taken up again by a later change back to rule scope). Instead it guards
   * that one call and is kept nowhere (dropped, so it lets the call through), as {@link Target#add}
   * does for target breakers. The check reads the state after the breaker is in the map, and {@code
   * onRules} reads the map after the state is in place, so one of them sees the other's write; a
   * check that finds the policy gone looks again, and drops the breaker, under the lock {@code
   * onRules} holds while it puts a state in place and goes through the map: a newer state that has
   * the policy rule-scoped again, applied in between, may have taken the breaker up already.
   */
  private ManagedBreaker ruleBreaker(PolicyState policy) {
    ManagedBreaker b = policy.ruleBreaker;
    if (b == null) {
      b =
          ruleBreakers.computeIfAbsent(
              policy.name, name -> new ManagedBreaker(policy, name, clock, telemetry));
      PolicyState current = state.byName(policy.name);
      if (current == null || !current.ruleScoped) {
        synchronized (ruleBreakersLock) {
          current = state.byName(policy.name);
          if (current == null || !current.ruleScoped) {
            // not in the map any more: whoever removed it dropped it
            if (ruleBreakers.remove(policy.name, b)) {
              b.drop();
            }
            return b;
          }
        }
      }
      // put in the map after onRules retuned the ones there: runs the policy in force, not the
      // one this call matched (a no-op when they are the same)
      b.retune(current);
      policy.ruleBreaker = b;
    }
    return b;
  }

  /**
   * The target, created on first use, under the host's lower-case name. The lookup is quiet (the
   * {@linkplain HostFront front table}, else the cache without access bookkeeping); the access is
   * recorded at most once per {@link #TOUCH_NANOS} per target, which is all idle expiry in minutes
   * needs and keeps the cache's buffers off the request path.
   */
  private Target target(String host, int port, long now) {
    HostTargets h = front.get(host);
    if (h == null) {
      h = quiet.getIfPresentQuietly(host);
      if (h != null) {
        front.offer(h);
      }
    }
    Target t = h == null ? null : h.find(port);
    if (t != null) {
      long idle = now - t.touchedNanos;
      if (idle <= TOUCH_NANOS) {
        return t;
      }
      // The cache last heard of a call to it at touchedNanos. Idle for longer than the cache keeps
      // a target, it has expired there (the front table still has it until the cache removes it,
      // and the quiet lookup sees no expired value): the compute below makes a fresh one, as a
      // call after the expiry got before the front table, and every other call that finds it so
      // meanwhile goes there too.
      if (idle <= idleNanos) {
        t.touchedNanos = now;
        if (targets.getIfPresent(host) != null) {
          if (h.targets.length > 1 && h.anyIdle(now, idleNanos)) {
            forgetIdlePorts(host, now);
          }
          if (t.anyIdleBreaker(now, idleNanos)) {
            forgetIdleBreakers(t, now);
          }
          return t;
        }
      }
    }
    // Host names are case-insensitive, and IPv6 literals come with brackets from some clients
    // (JDK, Apache, Vert.x: "[::1]") and without from others (OkHttp: "::1"), and in any of their
    // spellings ("0:0:0:0:0:0:0:1"): one target per spelling would split a dependency's failures
    // over several breakers. Targets are kept under the lower-case name, an IPv6 literal without
    // brackets in RFC 5952 spelling, so a caller that spells the host so (the usual case) finds
    // it at once; any other spelling gets here and is looked up again in that form.
    String canonical = canonicalHost(host);
    if (!canonical.equals(host)) {
      return target(canonical, port, now);
    }
    HostTargets updated =
        targets
            .asMap()
            .compute(
                host,
                (k, v) ->
                    v == null
                        ? new HostTargets(new Target[] {new Target(k, port, now)})
                        : v.find(port) != null ? v : v.with(new Target(k, port, now)));
    Target found = updated.find(port);
    // the compute was an access the cache heard of: a target it kept (its entry's access time
    // renewed by a write for another port or a weighing, so not yet expired there) is touched,
    // or every call to it would come here again
    found.touchedNanos = now;
    return found;
  }

  /**
   * Forgets the ports of {@code host} that had no call for longer than the idle expiry, with their
   * breakers, as the cache forgets a whole host: the cache keeps a host's ports together, and a
   * call to any of them keeps them all, so a port no longer called (a dependency moved to another
   * port of the same node) kept its breaker for as long as the host was busy, listed in the status
   * in the state it was left in (half-open for ever). Runs at most once a second per busy port of a
   * host with an idle one, off the steady state.
   */
  private void forgetIdlePorts(String host, long now) {
    List<Target> forgotten = new ArrayList<>();
    targets
        .asMap()
        .computeIfPresent(
            host,
            (k, v) -> {
              forgotten.clear();
              return v.withoutIdle(now, idleNanos, forgotten);
            });
    for (Target t : forgotten) {
      t.drop();
    }
  }

  /**
   * {@code host} as targets are kept, see {@link CallTarget#canonicalHost}. Reading an IPv6 literal
   * takes 50 to 150 ns, and the clients that bracket it hand over the same text on every call, so
   * the spellings of IPv6 literals are remembered: a few per process, all forgotten at once past
   * {@link #MAX_SPELLINGS} (a host from an attacker's URL cannot grow the map).
   */
  private String canonicalHost(String host) {
    if (host.indexOf(':') < 0) {
      return CallTarget.canonicalHost(host);
    }
    String known = ipv6Spellings.get(host);
    if (known != null) {
      return known;
    }
    String canonical = CallTarget.canonicalHost(host);
    if (ipv6Spellings.size() >= MAX_SPELLINGS) {
      ipv6Spellings.clear();
    }
    ipv6Spellings.put(host, canonical);
    return canonical;
  }

  /**
   * Every breaker of a policy in force. A call that matched a snapshot just replaced keeps no
   * breaker for a policy the new one removed or no longer has cover its target (see {@link
   * Target#add}); one it added before the new snapshot was applied is dropped by the retune, and
   * until then the name filter keeps a removed policy's breakers out.
   */
  private void forEachBreaker(Consumer<ManagedBreaker> action) {
    cacheNanos = nanoTime.getAsLong();
    RegistryState s = currentState();
    for (ManagedBreaker b : ruleBreakers.values()) {
      if (s.byName(b.policyName) != null) {
        action.accept(b);
      }
    }
    for (HostTargets host : targets.asMap().values()) {
      for (Target t : host.targets) {
        for (ManagedBreaker b : t.breakers()) {
          if (s.byName(b.policyName) != null) {
            action.accept(b);
          }
        }
      }
    }
  }

  /** The state gauge's value: {@link ManagedBreaker#stateIndex}, and 3 for any other state. */
  private static long stateCode(CircuitBreaker.State state) {
    int index = ManagedBreaker.stateIndex(state);
    return index < 0 ? 3 : index;
  }

  /**
   * Every live breaker with its state and rates, for the agent status. In shadow mode the state is
   * the would-be state.
   */
  public List<AgentStatus.BreakerState> breakerStates() {
    List<AgentStatus.BreakerState> result = new ArrayList<>();
    forEachBreaker(
        b -> {
          // the state first: reading it can move the breaker (an overdue half-open transition),
          // and the rates are those of the state it is in then
          String state = b.state().name();
          ManagedBreaker.Binding binding = b.binding();
          CircuitBreaker.Metrics m = binding.breaker.getMetrics();
          result.add(
              new AgentStatus.BreakerState(
                  b.policyName,
                  b.key,
                  state,
                  m.getFailureRate(),
                  m.getSlowCallRate(),
                  binding.policy.shadow));
        });
    result.sort(
        Comparator.comparing(AgentStatus.BreakerState::policy)
            .thenComparing(AgentStatus.BreakerState::key));
    return result;
  }

  /**
   * The {@code limit} busiest outgoing targets over the last minute: the first {@code limit} of
   * {@link #targetStats()}.
   */
  public List<AgentStatus.TargetStats> topTargets(int limit) {
    if (limit <= 0) {
      return List.of();
    }
    List<AgentStatus.TargetStats> all = targetStats();
    return all.size() > limit ? List.copyOf(all.subList(0, limit)) : all;
  }

  /**
   * Every outgoing target called over the last minute (calls made, guarded or not), busiest first,
   * with the breaker policy that covers each (null when none does): the agent status's {@code
   * topTargets} supplier, which lists the first 50 and counts the rest in {@code
   * topTargetsOmitted}. At most one entry per target the registry holds ({@code maxTargets}).
   */
  public List<AgentStatus.TargetStats> targetStats() {
    long now = nanoTime.getAsLong();
    cacheNanos = now;
    RegistryState s = currentState();
    List<AgentStatus.TargetStats> all = new ArrayList<>();
    for (HostTargets host : targets.asMap().values()) {
      for (Target t : host.targets) {
        TargetRecorder.Snapshot snap = t.recorder.snapshot(now);
        if (snap.calls() == 0) {
          continue;
        }
        String covered = t.coveredBy;
        if (covered != null && s.byName(covered) == null) {
          covered = null;
        }
        all.add(
            new AgentStatus.TargetStats(
                t.key,
                snap.calls(),
                snap.errors(),
                snap.p99Millis(),
                covered,
                snap.unguardedCalls(),
                snap.unguardedErrors(),
                snap.shadowCalls()));
      }
    }
    all.sort(
        Comparator.comparingLong(AgentStatus.TargetStats::callsPerMinute)
            .reversed()
            .thenComparing(AgentStatus.TargetStats::target));
    return Collections.unmodifiableList(all);
  }

  /** The breaker of a policy for a target, or null; for tests. */
  ManagedBreaker breaker(String host, int port, String policy) {
    HostTargets h = targets.getIfPresent(host);
    Target t = h == null ? null : h.find(port);
    if (t == null) {
      return null;
    }
    for (ManagedBreaker b : t.breakers()) {
      if (b.policyName.equals(policy)) {
        return b;
      }
    }
    return null;
  }

  /** Whether the front table's slot for {@code host} holds a value of it; for tests. */
  boolean fronts(String host) {
    return front.holdsAny(host);
  }

  /** Whether the registry remembers {@code spelling} of an IPv6 literal; for tests. */
  boolean knowsSpelling(String spelling) {
    return ipv6Spellings.containsKey(spelling);
  }

  /** The log of breaker transitions; for tests. */
  TransitionLog transitionLog() {
    return telemetry.transitionLog;
  }

  /** Targets currently tracked (after pending evictions); for tests and diagnostics. */
  long trackedTargets() {
    cacheNanos = nanoTime.getAsLong();
    targets.cleanUp();
    long n = 0;
    for (HostTargets host : targets.asMap().values()) {
      n += host.targets.length;
    }
    return n;
  }

  /**
   * Runs {@code listener} after every state transition any breaker the registry keeps makes (or, in
   * shadow mode, would make; a breaker dropped with its policy or evicted with its target makes
   * none: it is disabled), on the thread that noticed it — usually a request thread, so the
   * listener must be quick and must not block; an exception from it is logged once and otherwise
   * ignored. It runs outside the breaker's lock, in the order of that breaker's transitions: a
   * transition noticed while an earlier one of the same breaker is still being told (a slow
   * listener or log handler) is told after it, by that thread, so the thread that noticed it goes
   * on at once. Meant for {@link io.sluice.sdk.status.StatusReporter#requestUpdate()}, so the agent
   * status shows a breaker that opened within its debounce instead of at the next refresh.
   */
  public void addTransitionListener(Runnable listener) {
    telemetry.addTransitionListener(Objects.requireNonNull(listener, "listener"));
  }

  /** Stops running a listener added with {@link #addTransitionListener}. */
  public void removeTransitionListener(Runnable listener) {
    telemetry.removeTransitionListener(listener);
  }

  /** Stops following rule changes and reporting metrics. */
  @Override
  public void close() {
    holder.removeListener(listener);
    stateGauge.close();
    callCounter.close();
    transitionCounter.close();
  }

  /** Configures a {@link BreakerRegistry}; validates every setting with the bad value named. */
  public static final class Builder {
    private final ActiveRulesHolder holder;
    private Clock clock = Clock.systemUTC();
    private LongSupplier nanoTime;
    private long maxTargets = 10_000;
    private Duration idleExpiry = Duration.ofMinutes(10);
    private MeterProvider meterProvider = MeterProvider.noop();
    private boolean automaticHalfOpen = true;

    private Builder(ActiveRulesHolder holder) {
      this.holder = Objects.requireNonNull(holder, "holder");
    }

    /**
     * The clock Resilience4j uses for open-state waits and time-based windows, and which dates
     * breaker openings. Default: the system UTC clock.
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * The monotonic nanosecond source that times calls (slow calls, latency statistics) and idle
     * expiry. Default: {@link System#nanoTime()} with the system clock, else the clock's millis.
     */
    public Builder nanoTime(LongSupplier nanoTime) {
      this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
      return this;
    }

    /**
     * The most targets ({@code host:port}, with their statistics and breakers) kept, default 10
     * 000, counting each target as one and each breaker as the targets it weighs: 4 KB for what it
     * holds besides its windows and 44 bytes a slot of its windows ({@code window size +
     * halfOpenCalls}), in units of 64 slots (2816 bytes), rounded up; 2 for the default window of
     * 20, 33 for a window of 1000 with 1000 trial calls. So the bound holds memory to a few tens of
     * megabytes whatever the policies' windows and host names.
     */
    public Builder maxTargets(long maxTargets) {
      if (maxTargets <= 0) {
        throw new IllegalArgumentException("maxTargets must be positive: " + maxTargets);
      }
      this.maxTargets = maxTargets;
      return this;
    }

    /**
     * How long a target without calls is kept (with its breakers); default 10 minutes. It is kept
     * at least that long after its latest call, and at most a second longer (the cache hears of a
     * target's calls at most once a second); a port of a host whose other ports are still called is
     * forgotten at the first call to one of them after that, and a target's breaker that no call
     * got for that long (its policy's method or path no longer matches) at the next call to the
     * target.
     */
    public Builder idleExpiry(Duration idleExpiry) {
      Objects.requireNonNull(idleExpiry, "idleExpiry");
      if (idleExpiry.isNegative() || idleExpiry.isZero()) {
        throw new IllegalArgumentException("idleExpiry must be positive: " + idleExpiry);
      }
      this.idleExpiry = idleExpiry;
      return this;
    }

    /** Where breaker metrics go; default none. */
    public Builder meterProvider(MeterProvider meterProvider) {
      this.meterProvider = Objects.requireNonNull(meterProvider, "meterProvider");
      return this;
    }

    /**
     * Whether an open breaker moves to half-open by itself when its wait is over (Resilience4j's
     * scheduler), rather than on the next call after the wait; default true.
     */
    public Builder automaticTransitionToHalfOpen(boolean enabled) {
      this.automaticHalfOpen = enabled;
      return this;
    }

    /** Builds the registry; it follows the holder's snapshots until {@link #close()}. */
    public BreakerRegistry build() {
      return new BreakerRegistry(this);
    }
  }
}
