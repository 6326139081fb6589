package io.sluice.sdk.breaker;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.opentelemetry.api.common.Attributes;
import io.sluice.sdk.QuietLog;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One breaker as operators see it (a policy and a key), stable across retunes, around the
 * Resilience4j {@link CircuitBreaker} currently bound to it.
 *
 * <p>Design note. Resilience4j configurations are immutable, so a changed policy needs a new
 * circuit breaker. This wrapper keeps the identity (metrics attributes, status entry, the place in
 * the cache) and swaps the inner breaker, carrying over:
 *
 * <ul>
 *   <li>the state: CLOSED stays CLOSED, HALF_OPEN becomes HALF_OPEN (with the new policy's number
 *       of trial calls), OPEN stays OPEN until the moment it opened plus the new policy's {@code
 *       waitInOpenState} — so an unchanged wait keeps exactly its remaining time, a shortened wait
 *       applies at once (with automatic half-open transitions, a wait already over moves it to
 *       HALF_OPEN in the retune, told as a transition, and one with less than {@link
 *       #SCHEDULE_MARGIN} left lasts that margin from the retune), and a retune never restarts a
 *       full wait;
 *   <li>not the sliding window's contents: the new breaker starts with an empty window (its
 *       outcomes were counted against the old thresholds and window size), nor the counts of
 *       not-permitted calls, nor a HALF_OPEN breaker's trial calls: the new one lets its own number
 *       through afresh, and those the old one let through are ignored when they end while it is
 *       half-open.
 * </ul>
 *
 * <p>Calls permitted by the old breaker report their outcome to it (it is disabled, so it ignores
 * them) and, when the new one is CLOSED, to the new one too (see {@link #observeOutcome}). When
 * only the match, failure status codes, {@code onOpen} or {@code shadow} changed, the inner breaker
 * is kept as it is.
 *
 * <p>A replaced breaker can come back to life, harmlessly. A retune that lands inside the old
 * breaker's permission check, after its open state read the clock and found the wait over, disables
 * it; but disabling leaves that open state's {@code isOpen} flag set (Resilience4j only cancels its
 * scheduled transition), so the check then moves the disabled breaker to HALF_OPEN. Nothing reads
 * it any more: {@link #observe} ignores a breaker that is not bound, {@link BreakerRegistry#start}
 * gives back its permission and asks the bound one, the outcomes of its calls count nowhere, and it
 * is collected once those calls end.
 *
 * <p>Transitions are detected by comparing the breaker's state after each permission and outcome
 * (and when metrics are collected) instead of subscribing to Resilience4j's events: any subscriber
 * makes Resilience4j allocate an event object on every call.
 *
 * <p>A transition is noticed and counted under this breaker's lock, and told (the listeners, the
 * log line) after it is released, by {@link #tell}: a log handler writing to a slow disk, or a slow
 * listener, holds up the thread that noticed the transition, never the other calls on the breaker
 * that notice the next one. Noticed transitions wait in a queue, oldest first, and one thread at a
 * time tells them: a thread that finds another telling leaves its own to that one, so each is told
 * once and a breaker's lines keep their order. Only transitions use the queue: a call on a breaker
 * whose state is unchanged never reaches it.
 */
final class ManagedBreaker {

  private static final Logger logger = Logger.getLogger(ManagedBreaker.class.getName());

  /** The inner breaker and the policy it runs, swapped as one. */
  static final class Binding {
    final PolicyState policy;
    final CircuitBreaker breaker;
    private volatile RejectedCall rejectedOpen;
    private volatile RejectedCall rejectedOther;

    Binding(PolicyState policy, CircuitBreaker breaker) {
      this.policy = policy;
      this.breaker = breaker;
    }
  }

  /**
   * The shortest wait for which a retune has Resilience4j schedule the automatic OPEN → HALF_OPEN
   * transition, and how long a breaker may stay OPEN past its wait before {@link #state()} moves it
   * to HALF_OPEN itself. Resilience4j 2.4.0 schedules that transition from inside the open state's
   * constructor, before the state is in place: when it is due at once (or within a few
   * milliseconds, on a busy machine) it can run too early and is lost, leaving the breaker OPEN
   * until the next call. A scheduled transition that is on time is not overtaken, and one later
   * than that is not made twice (see {@link #halfOpenOverdue}).
   */
  static final Duration SCHEDULE_MARGIN = Duration.ofMillis(100);

  final String policyName;
  final String key;
  final Attributes attributes;

  /** {@link #attributes} with {@code sluice.breaker.shadow}, as the state gauge reports them. */
  private final Attributes stateAttributes;

  private final Attributes shadowStateAttributes;

  private final Clock clock;
  private final BreakerTelemetry telemetry;
  private final LongAdder[] outcomeCounts = newCounts();
  private volatile Binding binding;

  /** Made on the first transition: most breakers never make one. */
  private volatile AtomicLongArray transitionCounts;

  private volatile CircuitBreaker.State observed;
  private volatile long openedAtMillis = Long.MIN_VALUE;

  /** When this breaker was last seen to turn half-open (or was created or retuned so). */
  private volatile long halfOpenAtMillis;

  /**
   * Counts the half-open periods seen (each turn to HALF_OPEN, a retune's included), so that a
   * trial permission is given back only to the period that granted it (see {@link #grantedTrial}).
   */
  private volatile int halfOpenPeriod;

  /** Set once the registry no longer keeps this breaker; see {@link #drop()}. */
  private volatile boolean dropped;

  /** The state its circuit breaker was in when {@link #drop()} disabled it; null before. */
  private volatile CircuitBreaker.State stateWhenDropped;

  /**
   * When a call last matched its policy and got this breaker, as of the registry's clock; renewed
   * at most once a second (see {@code BreakerRegistry#start}). A target's breaker that no call gets
   * any more (its policy's method or path no longer covers the target's calls) is forgotten once
   * this is older than the idle expiry, as an idle target is (see {@link
   * Target#forgetIdleBreakers}).
   */
  volatile long usedNanos;

  /** Transitions noticed and not told yet, oldest first; null when none. Guarded by this. */
  private Untold firstUntold;

  private Untold lastUntold;

  /** Whether a thread is telling the untold transitions (see {@link #tell}). Guarded by this. */
  private boolean telling;

  /** A transition's log line, noticed under the lock, to be told outside it. */
  private static final class Untold {
    final String line;
    final long atMillis;
    Untold next;

    Untold(String line, long atMillis) {
      this.line = line;
      this.atMillis = atMillis;
    }
  }

  ManagedBreaker(PolicyState policy, String key, Clock clock, BreakerTelemetry telemetry) {
    this.policyName = policy.name;
    this.key = key;
    this.clock = clock;
    this.telemetry = telemetry;
    this.attributes =
        Attributes.of(BreakerTelemetry.POLICY, policy.name, BreakerTelemetry.KEY, key);
    this.stateAttributes = attributes.toBuilder().put(BreakerTelemetry.SHADOW, false).build();
    this.shadowStateAttributes = attributes.toBuilder().put(BreakerTelemetry.SHADOW, true).build();
    CircuitBreaker breaker = CircuitBreaker.of(policy.name + "/" + key, policy.config);
    this.binding = new Binding(policy, breaker);
    this.observed = breaker.getState();
    this.halfOpenAtMillis = clock.millis();
  }

  Binding binding() {
    return binding;
  }

  /**
   * The state gauge's attributes: {@link #attributes} and whether the breaker is in shadow mode, in
   * which its state is the one it would be in (calls meet no open breaker), so an alert on open
   * breakers can leave shadow ones out.
   */
  Attributes stateAttributes() {
    return binding.policy.shadow ? shadowStateAttributes : stateAttributes;
  }

  /**
   * Marks this breaker as no longer kept by the registry: its policy was removed or no longer
   * covers its target, or its target was evicted, or it was made for one call and kept nowhere. No
   * transition of it is told any more (no count, listener or log line): it would be a line about a
   * breaker, maybe of a policy, that no longer exists, would wake the listeners for nothing, and
   * would make a removed policy's transition-log window again.
   *
   * <p>Its circuit breaker is disabled: it lets through the one call it may have been made for, and
   * counts no outcome of the calls still out on it. Left OPEN, it stayed held by the task
   * Resilience4j's JVM-wide scheduler keeps for its move to HALF_OPEN, for the rest of its wait: a
   * policy on many hosts with a long wait kept every opened and evicted breaker, past the target
   * cache's bound. Disabling cancels that task, which lets go of the breaker. Under this breaker's
   * lock, as {@link #rebind} is, which leaves a dropped breaker bound as it is: a call that matched
   * a newer policy would otherwise bind a fresh circuit breaker (an OPEN one held by the scheduler
   * again) to a breaker no one keeps.
   */
  synchronized void drop() {
    if (dropped) {
      return;
    }
    dropped = true;
    try {
      CircuitBreaker breaker = binding.breaker;
      stateWhenDropped = breaker.getState();
      breaker.transitionToDisabledState();
    } catch (RuntimeException e) {
      QuietLog.write(logger, Level.FINE, "could not disable a dropped breaker", e);
    }
  }

  /**
   * Its circuit breaker's state without noticing transitions (see {@link #state()}); for a dropped
   * breaker, the one it was dropped in (its circuit breaker is disabled since).
   */
  CircuitBreaker.State stateNow() {
    CircuitBreaker.State whenDropped = stateWhenDropped;
    return whenDropped != null ? whenDropped : binding.breaker.getState();
  }

  /** Whether {@link #drop()} was called; for tests. */
  boolean dropped() {
    return dropped;
  }

  /**
   * The binding for {@code policy}, retuning first when the breaker still runs an older one. A call
   * that matched an older version of the policy than the bound one gets the bound one.
   */
  Binding bindingFor(PolicyState policy) {
    Binding b = binding;
    return b.policy == policy || policy.generation < b.policy.generation ? b : retune(policy);
  }

  /**
   * Rebinds to {@code policy}, carrying the state over as the class comment says; never back to an
   * older version of the policy than the bound one. What the retune noticed is told after it.
   */
  Binding retune(PolicyState policy) {
    Binding b = rebind(policy);
    tell();
    return b;
  }

  /**
   * Rebinds as {@link #retune} does, leaving what it noticed untold: for a caller that holds a lock
   * of its own (a {@link Target}'s), which calls {@link #tell} once it has let go of that lock, so
   * that a slow log handler or listener does not hold it.
   */
  synchronized Binding rebind(PolicyState policy) {
    Binding old = binding;
    if (dropped || old.policy == policy || policy.generation < old.policy.generation) {
      return old;
    }
    if (old.policy.settings.equals(policy.settings)) {
      // a transition made before the change is told as the old policy's (shadow or not)
      notice(old.breaker);
      binding = new Binding(policy, old.breaker);
      shadowChanged(old.policy.shadow, policy.shadow, observed);
      return binding;
    }
    CircuitBreaker next = CircuitBreaker.of(policyName + "/" + key, policy.config);
    // The state carried over is the one noticed here, with the opening time noticed with it (both
    // change together, under this lock). Read again after noticing, the old breaker could have
    // opened in between: its wait would then count from an earlier opening, maybe long over. A
    // transition after this is lost: the old breaker is disabled below.
    notice(old.breaker);
    CircuitBreaker.State state = observed;
    if (state == CircuitBreaker.State.OPEN) {
      long openedAt = openedAtMillis;
      Instant until =
          openedAt == Long.MIN_VALUE
              ? clock.instant().plus(policy.policy.waitInOpenState())
              : Instant.ofEpochMilli(openedAt).plus(policy.policy.waitInOpenState());
      Instant now =
          policy.config.isAutomaticTransitionFromOpenToHalfOpenEnabled() ? clock.instant() : null;
      if (now != null && !until.isAfter(now)) {
        // the wait is over: half-open now. Opened "until" a past moment, Resilience4j would
        // schedule the transition at once while still building the open state, and lose it about
        // every other time (the breaker then stayed OPEN until the next call): see toHalfOpen.
        toHalfOpen(next);
      } else if (now != null && until.isBefore(now.plus(SCHEDULE_MARGIN))) {
        // a few milliseconds left: the transition scheduled so soon could run before the open
        // state is built, and be lost the same way. Open a little longer (less than the margin)
        // rather than let a trial call through before the wait is over.
        next.transitionToOpenStateUntil(now.plus(SCHEDULE_MARGIN));
      } else {
        next.transitionToOpenStateUntil(until);
      }
    } else if (state == CircuitBreaker.State.HALF_OPEN) {
      toHalfOpen(next);
      halfOpenAtMillis = clock.millis(); // fresh trial calls, a fresh bound
      halfOpenPeriod++;
    }
    binding = new Binding(policy, next);
    shadowChanged(old.policy.shadow, policy.shadow, state);
    // told like any transition when the new breaker is not in the state last seen of the old one
    // (a wait that is over); the same state is no transition
    notice(next);
    try {
      // cancels a scheduled automatic transition; late outcomes of its calls count on the bound
      // breaker if it is CLOSED (observeOutcome), never on this one
      old.breaker.transitionToDisabledState();
    } catch (RuntimeException e) {
      QuietLog.write(logger, Level.FINE, "could not disable a replaced breaker", e);
    }
    return binding;
  }

  /**
   * Moves a new breaker to HALF_OPEN, which Resilience4j moves to only from an open state: through
   * FORCED_OPEN, which schedules nothing. Through OPEN, the open state schedules its own move to
   * HALF_OPEN: for the policy's wait, a short one (1 ms) can have the scheduler thread take that up
   * before the move here cancels it, and it then makes a fresh HALF_OPEN state on the bound breaker
   * that forgets the trial calls already let through; for a long while, the cancelled task stays
   * queued in Resilience4j's scheduler until its time (it does not remove cancelled tasks; the task
   * drops what it would have run, so it holds no breaker).
   */
  private static void toHalfOpen(CircuitBreaker next) {
    next.transitionToForcedOpenState();
    next.transitionToHalfOpenState();
  }

  /**
   * The current state for reports (the state gauge, the agent status), after noticing any
   * transition made since the last look. An OPEN breaker whose automatic transition to HALF_OPEN is
   * overdue (lost, see {@link #SCHEDULE_MARGIN}) is moved to HALF_OPEN first, told as a transition
   * like any other: so a breaker without calls is not reported OPEN long after its wait. Not on the
   * request path, where a call moves such a breaker itself.
   */
  CircuitBreaker.State state() {
    Binding b = binding;
    CircuitBreaker cb = b.breaker;
    observe(cb);
    if (cb.getState() == CircuitBreaker.State.OPEN
        && b.policy.config.isAutomaticTransitionFromOpenToHalfOpenEnabled()
        && clock.millis() - openedAtMillis
            > b.policy.policy.waitInOpenState().plus(SCHEDULE_MARGIN).toMillis()) {
      halfOpenOverdue(cb);
    }
    return cb.getState();
  }

  /**
   * Moves {@code cb}, OPEN past its wait, to HALF_OPEN the way a call after the wait does: its
   * permission check, whose trial permission is given back at once. Resilience4j then makes the
   * transition only if the open state it is in has waited its time, and only once however it races
   * a late scheduled transition or a call; a call that asks for the last trial permission in the
   * instant it is held here is refused, as when another call takes it.
   */
  private void halfOpenOverdue(CircuitBreaker cb) {
    try {
      if (cb.tryAcquirePermission()) {
        cb.releasePermission();
      }
    } catch (RuntimeException e) {
      QuietLog.write(logger, Level.FINE, "could not move an overdue open breaker to half-open", e);
    }
    observe(cb);
  }

  /**
   * The half-open period whose trial permission a call {@code cb} just let through holds, after
   * {@link #observe}; -1 when the breaker is not half-open (a closed breaker's permission is no
   * trial call's).
   */
  int grantedTrial(CircuitBreaker cb) {
    return observed == CircuitBreaker.State.HALF_OPEN && binding.breaker == cb
        ? halfOpenPeriod
        : -1;
  }

  /**
   * Whether a trial permission of half-open period {@code period} ({@link #grantedTrial}) can be
   * given back to {@code cb}: it is still the bound breaker in that period. Any other permission is
   * no one's to give back: Resilience4j's closed and open states ignore it, and a later half-open
   * state would count it as one trial call more than its policy allows (a call let through while
   * the breaker was closed and given up on once it had turned half-open).
   */
  boolean inTrialPeriod(CircuitBreaker cb, int period) {
    observe(cb);
    return period >= 0
        && period == halfOpenPeriod
        && observed == CircuitBreaker.State.HALF_OPEN
        && binding.breaker == cb;
  }

  /**
   * Whether {@code cb} judges the outcome of a call it let through as a call of trial period {@code
   * period} ({@link Call#trialPeriod}): always, unless it is half-open and the call is none of its
   * current period's trial calls (let through while it was closed, or in an earlier half-open
   * period, and ending late). Resilience4j would count such an outcome among the trial calls' and
   * decide on it: calls out when a target hung, timing out after the breaker's wait, reopened it
   * though the target had recovered, and late successes could close it over a target still failing.
   * After {@link #observe}; the steady path (a closed breaker) reads the state once.
   */
  boolean judges(CircuitBreaker cb, int period) {
    return cb.getState() != CircuitBreaker.State.HALF_OPEN || period == halfOpenPeriod;
  }

  /** Notices a transition of {@code breaker} if it is still the bound one, and tells it. */
  void observe(CircuitBreaker breaker) {
    if (breaker.getState() != observed && binding.breaker == breaker && transition(breaker)) {
      tell();
    }
  }

  /** Notices a transition as {@link #observe} does, leaving it untold; under this lock. */
  private void notice(CircuitBreaker breaker) {
    if (breaker.getState() != observed && binding.breaker == breaker) {
      transition(breaker);
    }
  }

  /**
   * Notices a transition after {@code cb} recorded the outcome of a call it let through ({@code
   * failure} null for a success), as {@link #observe} does; and when a retune replaced {@code cb}
   * while the call was out, records the outcome on the bound breaker too if that one is CLOSED. The
   * replaced breaker is disabled and counts it nowhere, so without this the outcomes of every call
   * out at a retune were lost (on a busy target, the failures that should open the new breaker). A
   * HALF_OPEN bound breaker is left alone: it judges only the trial calls it let through itself. A
   * replaced breaker is disabled (or, rarely, back to life, see the class comment), never in the
   * state last seen, so the steady path (the bound breaker, its state unchanged) reads no more than
   * {@code observe} does; an outcome that ends between the swap and the disabling, inside the
   * retune, still counts on the replaced breaker only.
   */
  void observeOutcome(CircuitBreaker cb, long durationNanos, Throwable failure) {
    if (cb.getState() == observed) {
      return;
    }
    CircuitBreaker bound = binding.breaker;
    if (bound == cb) {
      if (transition(cb)) {
        tell();
      }
      return;
    }
    if (bound.getState() != CircuitBreaker.State.CLOSED) {
      return;
    }
    // Resilience4j records an outcome that reaches a breaker gone OPEN in between, without a
    // transition, as it does for calls of its own still out when it opened
    if (failure != null) {
      bound.onError(durationNanos, TimeUnit.NANOSECONDS, failure);
    } else {
      bound.onSuccess(durationNanos, TimeUnit.NANOSECONDS);
    }
    observe(bound);
  }

  /**
   * Notices a transition of {@code breaker}: counts it and queues it to be told (see {@link
   * #tell}). Whether one was queued: false when another thread noticed it first, or the breaker was
   * dropped.
   */
  private synchronized boolean transition(CircuitBreaker breaker) {
    CircuitBreaker.State to = breaker.getState();
    CircuitBreaker.State from = observed;
    if (to == from || binding.breaker != breaker) {
      return false;
    }
    // the times and the period first: a call that reads the new state without this lock (observe,
    // grantedTrial) must find them with it, or a trial call would be tagged with the last period
    // and its outcome not judged (judges), leaving the breaker half-open until the stuck check
    if (to == CircuitBreaker.State.OPEN) {
      openedAtMillis = clock.millis();
    } else if (to == CircuitBreaker.State.HALF_OPEN) {
      halfOpenAtMillis = clock.millis();
      halfOpenPeriod++;
    }
    observed = to;
    if (dropped) {
      return false;
    }
    boolean shadow = binding.policy.shadow;
    telemetry.countTransition(this, from, to, shadow);
    untold(
        shadow
            ? "shadow breaker '"
                + policyName
                + "' for "
                + key
                + " would have moved from "
                + from
                + " to "
                + to
            : "breaker '" + policyName + "' for " + key + " moved from " + from + " to " + to);
    return true;
  }

  /** Queues a transition's {@code line} to be told; under this lock. */
  private void untold(String line) {
    Untold u = new Untold(line, clock.millis());
    if (lastUntold == null) {
      firstUntold = u;
    } else {
      lastUntold.next = u;
    }
    lastUntold = u;
  }

  /** The oldest untold transition, taken off the queue, or null; under this lock. */
  private Untold takeUntold() {
    Untold u = firstUntold;
    if (u != null) {
      firstUntold = u.next;
      if (firstUntold == null) {
        lastUntold = null;
      }
    }
    return u;
  }

  /**
   * Tells the transitions noticed and not told yet, oldest first, outside this breaker's lock: the
   * listeners, then the log line. Called by a thread after noticing one, never under the lock. When
   * another thread is telling, returns at once: that thread tells this one's transitions too, after
   * its own, so a slow log handler or listener holds up only the thread that met it. Never throws
   * but an {@link Error}, which leaves the rest to the next transition's teller.
   */
  void tell() {
    Untold u;
    synchronized (this) {
      if (telling || firstUntold == null) {
        return;
      }
      telling = true;
      u = takeUntold();
    }
    boolean done = false;
    try {
      while (!done) {
        telemetry.tellListeners();
        telemetry.transitionLog.log(policyName, u.line, u.atMillis);
        synchronized (this) {
          u = takeUntold();
          done = u == null;
          if (done) {
            telling = false;
          }
        }
      }
    } finally {
      if (!done) {
        synchronized (this) {
          telling = false;
        }
      }
    }
  }

  /**
   * Tells of what a change of {@code shadow} does to the calls of a breaker that is not CLOSED, as
   * a transition of the states calls meet (counted with {@code shadow=false}, logged, heard by the
   * listeners, once the retune is over): the breaker's would-be state stays, but calls meet it or
   * stop meeting it. Turned off while OPEN (or HALF_OPEN), the breaker starts rejecting at once: it
   * moves from CLOSED, which is what calls met in shadow mode, to OPEN, and so is told as the
   * opening its shadow-mode transition was not. Turned on, it stops rejecting: it moves back to
   * CLOSED, and its later would-be transitions are counted with {@code shadow=true}. So the {@code
   * shadow=false} transitions always pair up as the states calls met. Called under this breaker's
   * lock, in a retune, before the bound breaker's own transitions (if any) are told.
   */
  private void shadowChanged(boolean wasShadow, boolean shadow, CircuitBreaker.State state) {
    if (wasShadow == shadow
        || dropped
        || (state != CircuitBreaker.State.OPEN && state != CircuitBreaker.State.HALF_OPEN)) {
      return;
    }
    CircuitBreaker.State from = shadow ? state : CircuitBreaker.State.CLOSED;
    CircuitBreaker.State to = shadow ? CircuitBreaker.State.CLOSED : state;
    telemetry.countTransition(this, from, to, false);
    untold(
        "breaker '"
            + policyName
            + "' for "
            + key
            + " moved from "
            + from
            + " to "
            + to
            + (shadow
                ? ": shadow mode was turned on, so calls go through (as a shadow breaker it stays "
                    + state
                    + ")"
                : ": shadow mode was turned off while it would have been " + state));
  }

  /**
   * Opens again a half-open breaker that refused a call because all its trial calls are taken, once
   * it has been half-open for longer than {@link PolicyState#maxHalfOpenMillis}: a trial call that
   * never reports (the caller failed before the call left, or gave up on it without closing it)
   * must not keep the breaker half-open, refusing every call, for as long as the target lives.
   * After the open-state wait it lets fresh trial calls through. A half-open breaker that refuses
   * nothing (too little traffic to use up its trial calls) waits for them as long as it takes.
   * Called on refusals only.
   */
  void reopenIfTrialCallsStuck(Binding b, CircuitBreaker cb) {
    if (cb.getState() != CircuitBreaker.State.HALF_OPEN
        || binding.breaker != cb
        || clock.millis() - halfOpenAtMillis <= b.policy.maxHalfOpenMillis) {
      return;
    }
    try {
      cb.transitionToOpenState();
    } catch (RuntimeException refused) {
      // Not the race of two refused calls: Resilience4j opens a breaker from every state a bound
      // one is in, OPEN included (the thread that lost the race opens it again, throwing and
      // allocating nothing), so this is a state it refuses to open from, which Sluice never uses
      QuietLog.write(logger, Level.FINE, "a stuck half-open breaker could not be opened", refused);
    }
    observe(cb);
  }

  /**
   * The cached rejection for the state {@code b}'s breaker refused in, read just after it refused.
   * A call is never said to be refused by a closed breaker ("breaker 'x' is CLOSED: call not
   * permitted" would send a user looking for a fault that is not there): see {@link #refusedIn}.
   */
  RejectedCall rejected(Binding b, CircuitBreaker.State readAfter) {
    CircuitBreaker.State state = refusedIn(b.breaker, readAfter);
    boolean open = state == CircuitBreaker.State.OPEN;
    RejectedCall r = open ? b.rejectedOpen : b.rejectedOther;
    if (r == null || !r.rejection.state().equals(state.name())) {
      r =
          new RejectedCall(
              new Rejection(policyName, key, state.name(), b.policy.policy.onOpen()), attributes);
      if (open) {
        b.rejectedOpen = r;
      } else {
        b.rejectedOther = r;
      }
    }
    return r;
  }

  /**
   * The state {@code cb} refused a call in, from the state read just after: that one, but for a
   * CLOSED breaker, which was moving. Resilience4j refuses while it opens (it stops permitting
   * before the state is OPEN), with its window over a threshold: OPEN. Otherwise it refused as
   * HALF_OPEN (its trial calls taken) and the trials closed it since, with a fresh window:
   * HALF_OPEN.
   */
  static CircuitBreaker.State refusedIn(CircuitBreaker cb, CircuitBreaker.State readAfter) {
    if (readAfter != CircuitBreaker.State.CLOSED) {
      return readAfter;
    }
    CircuitBreaker.Metrics metrics = cb.getMetrics();
    CircuitBreakerConfig config = cb.getCircuitBreakerConfig();
    boolean opening =
        metrics.getFailureRate() >= config.getFailureRateThreshold()
            || metrics.getSlowCallRate() >= config.getSlowCallRateThreshold();
    return opening ? CircuitBreaker.State.OPEN : CircuitBreaker.State.HALF_OPEN;
  }

  private static LongAdder[] newCounts() {
    LongAdder[] counts = new LongAdder[Outcome.values().length];
    for (int i = 0; i < counts.length; i++) {
      counts[i] = new LongAdder();
    }
    return counts;
  }

  /** Counts a call's outcome for {@code sluice.breaker.calls}; kept across retunes. */
  void count(Outcome outcome) {
    outcomeCounts[outcome.ordinal()].increment();
  }

  /** The calls counted with {@code outcome} since this breaker was created. */
  long countOf(Outcome outcome) {
    return outcomeCounts[outcome.ordinal()].sum();
  }

  /**
   * The states a bound breaker is ever in: it is never disabled, forced open or metrics-only (a
   * replaced one is disabled, and {@link #transition} tells nothing of a breaker no longer bound).
   */
  private static final CircuitBreaker.State[] STATES = {
    CircuitBreaker.State.CLOSED, CircuitBreaker.State.OPEN, CircuitBreaker.State.HALF_OPEN
  };

  /**
   * One count per (from, to, shadow) of two different {@link #STATES}, see {@link #transitionSlot}:
   * 12 longs, made on the first transition. (Every pair can be seen: a breaker that opens and
   * half-opens between two looks is seen to go from CLOSED to HALF_OPEN.)
   */
  static final int TRANSITION_SLOTS = STATES.length * (STATES.length - 1) * 2;

  /**
   * The index of {@code state} in {@link #STATES} (CLOSED 0, OPEN 1, HALF_OPEN 2), or -1 for a
   * state a bound breaker is never in. The one mapping of states to numbers: the transition slots
   * and the state gauge's values ({@link BreakerRegistry}) both read it.
   */
  static int stateIndex(CircuitBreaker.State state) {
    switch (state) {
      case CLOSED:
        return 0;
      case OPEN:
        return 1;
      case HALF_OPEN:
        return 2;
      default:
        return -1;
    }
  }

  /** The slot of a transition, or -1 for one a bound breaker never makes. */
  static int transitionSlot(CircuitBreaker.State from, CircuitBreaker.State to, boolean shadow) {
    int f = stateIndex(from);
    int t = stateIndex(to);
    if (f < 0 || t < 0 || f == t) {
      return -1;
    }
    int pair = f * (STATES.length - 1) + (t > f ? t - 1 : t);
    return pair * 2 + (shadow ? 1 : 0);
  }

  /**
   * Counts a transition for {@code sluice.breaker.transitions}; kept across retunes. Called under
   * this breaker's lock (from {@link #transition}), so the counts are made once, on the first.
   */
  void countTransition(CircuitBreaker.State from, CircuitBreaker.State to, boolean shadow) {
    int slot = transitionSlot(from, to, shadow);
    if (slot < 0) {
      return;
    }
    AtomicLongArray counts = transitionCounts;
    if (counts == null) {
      counts = new AtomicLongArray(TRANSITION_SLOTS);
      transitionCounts = counts;
    }
    counts.incrementAndGet(slot);
  }

  /** The transitions counted in {@code slot} since this breaker was created. */
  long transitionCount(int slot) {
    AtomicLongArray counts = transitionCounts;
    return counts == null ? 0 : counts.get(slot);
  }

  /**
   * The attributes of {@code slot}'s transitions: this breaker's, from, to and shadow. Built at
   * each collection, not kept: only slots that counted something are reported, at most once a
   * collection interval, and kept they would make a breaker that once moved hold several hundred
   * bytes more for as long as it lives (see {@link PolicyState#breakerWeight}).
   */
  Attributes transitionAttributes(int slot) {
    int pair = slot / 2;
    int from = pair / (STATES.length - 1);
    int to = pair % (STATES.length - 1);
    if (to >= from) {
      to++;
    }
    // Attributes.of makes less garbage than a builder (an array and the result, no list)
    return Attributes.of(
        BreakerTelemetry.POLICY,
        policyName,
        BreakerTelemetry.KEY,
        key,
        BreakerTelemetry.FROM,
        STATES[from].name(),
        BreakerTelemetry.TO,
        STATES[to].name(),
        BreakerTelemetry.SHADOW,
        (slot & 1) == 1);
  }

  /**
   * The attributes of {@code outcome}'s calls: this breaker's and the outcome. Built at each
   * collection, not kept, as {@link #transitionAttributes}: about 100 bytes of garbage a reported
   * outcome once a collection interval, where five kept sets made a breaker hold about 660 bytes
   * more for as long as it lived.
   */
  Attributes outcomeAttributes(Outcome outcome) {
    return Attributes.of(
        BreakerTelemetry.POLICY,
        policyName,
        BreakerTelemetry.KEY,
        key,
        BreakerTelemetry.OUTCOME,
        outcome.value);
  }
}
