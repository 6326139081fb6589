package io.sluice.sdk.breaker;

import io.sluice.rules.BreakerPolicy;
import io.sluice.rules.BreakerScope;
import io.sluice.rules.CallMatch;
import io.sluice.rules.CompiledRules;
import io.sluice.rules.OnOpenAction;
import io.sluice.rules.RuleDocument;
import io.sluice.rules.SamplingPolicy;
import io.sluice.rules.SlidingWindow;
import io.sluice.rules.SlidingWindowType;
import io.sluice.rules.StatusCodeRange;
import io.sluice.sdk.ActiveRules;
import java.time.Duration;
import java.util.List;

/** Breaker policies for tests: 50% failures over 10 calls, at least 4 calls, 10 s wait. */
final class Policies {

  private Policies() {}

  static BreakerPolicy payments() {
    return policy("payments", new CallMatch("payments*", 8080, null, null));
  }

  static BreakerPolicy policy(String name, CallMatch match) {
    return new BreakerPolicy(
        name,
        match,
        BreakerScope.TARGET,
        50,
        100,
        Duration.ofSeconds(2),
        new SlidingWindow(SlidingWindowType.COUNT, 10),
        4,
        Duration.ofSeconds(10),
        2,
        List.of(new StatusCodeRange(500, 599)),
        OnOpenAction.ERROR,
        false);
  }

  static BreakerPolicy with(
      BreakerPolicy p, double failureRate, Duration wait, BreakerScope scope, boolean shadow) {
    Copy c = new Copy(p);
    c.failureRate = failureRate;
    c.wait = wait;
    c.scope = scope;
    c.shadow = shadow;
    return c.build();
  }

  /** {@code p} with these slow-call and open-state durations. */
  static BreakerPolicy timed(BreakerPolicy p, Duration slowCall, Duration wait) {
    Copy c = new Copy(p);
    c.slowCall = slowCall;
    c.wait = wait;
    return c.build();
  }

  static BreakerPolicy slow(BreakerPolicy p) {
    Copy c = new Copy(p);
    c.slowCallRate = 50;
    c.slowCall = Duration.ofSeconds(2);
    return c.build();
  }

  static ActiveRules rules(long revision, BreakerPolicy... policies) {
    return new ActiveRules(
        CompiledRules.compile(
            new RuleDocument(1, "orders", SamplingPolicy.DEFAULT, List.of(policies))),
        revision,
        ActiveRules.Source.ETCD);
  }

  /** {@code p} with these failure status codes. */
  static BreakerPolicy failingOn(BreakerPolicy p, StatusCodeRange... ranges) {
    Copy c = new Copy(p);
    c.failureStatusCodes = List.of(ranges);
    return c.build();
  }

  /** {@code p} with one trial call and this wait. */
  static BreakerPolicy oneTrialCall(BreakerPolicy p, Duration wait) {
    Copy c = new Copy(p);
    c.wait = wait;
    c.halfOpenCalls = 1;
    return c.build();
  }

  /** A policy's fields, some changed before {@link #build()}: each variant names only those. */
  private static final class Copy {
    private final BreakerPolicy p;
    BreakerScope scope;
    double failureRate;
    double slowCallRate;
    Duration slowCall;
    Duration wait;
    int halfOpenCalls;
    List<StatusCodeRange> failureStatusCodes;
    boolean shadow;

    Copy(BreakerPolicy p) {
      this.p = p;
      scope = p.scope();
      failureRate = p.failureRateThreshold();
      slowCallRate = p.slowCallRateThreshold();
      slowCall = p.slowCallDuration();
      wait = p.waitInOpenState();
      halfOpenCalls = p.halfOpenCalls();
      failureStatusCodes = p.failureStatusCodes();
      shadow = p.shadow();
    }

    BreakerPolicy build() {
      return new BreakerPolicy(
          p.name(),
          p.match(),
          scope,
          failureRate,
          slowCallRate,
          slowCall,
          p.slidingWindow(),
          p.minimumCalls(),
          wait,
          halfOpenCalls,
          failureStatusCodes,
          p.onOpen(),
          shadow);
    }
  }
}
