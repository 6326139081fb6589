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
    return new BreakerPolicy(
        p.name(),
        p.match(),
        scope,
        failureRate,
        p.slowCallRateThreshold(),
        p.slowCallDuration(),
        p.slidingWindow(),
        p.minimumCalls(),
        wait,
        p.halfOpenCalls(),
        p.failureStatusCodes(),
        p.onOpen(),
        shadow);
  }

  /** {@code p} with these slow-call and open-state durations. */
  static BreakerPolicy timed(BreakerPolicy p, Duration slowCall, Duration wait) {
    return new BreakerPolicy(
        p.name(),
        p.match(),
        p.scope(),
        p.failureRateThreshold(),
        p.slowCallRateThreshold(),
        slowCall,
        p.slidingWindow(),
        p.minimumCalls(),
        wait,
        p.halfOpenCalls(),
        p.failureStatusCodes(),
        p.onOpen(),
        p.shadow());
  }

  static BreakerPolicy slow(BreakerPolicy p) {
    return new BreakerPolicy(
        p.name(),
        p.match(),
        p.scope(),
        p.failureRateThreshold(),
        50,
        Duration.ofSeconds(2),
        p.slidingWindow(),
        p.minimumCalls(),
        p.waitInOpenState(),
        p.halfOpenCalls(),
        p.failureStatusCodes(),
        p.onOpen(),
        p.shadow());
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
    return new BreakerPolicy(
        p.name(),
        p.match(),
        p.scope(),
        p.failureRateThreshold(),
        p.slowCallRateThreshold(),
        p.slowCallDuration(),
        p.slidingWindow(),
        p.minimumCalls(),
        p.waitInOpenState(),
        p.halfOpenCalls(),
        List.of(ranges),
        p.onOpen(),
        p.shadow());
  }

  /** {@code p} with one trial call and this wait. */
  static BreakerPolicy oneTrialCall(BreakerPolicy p, Duration wait) {
    return new BreakerPolicy(
        p.name(),
        p.match(),
        p.scope(),
        p.failureRateThreshold(),
        p.slowCallRateThreshold(),
        p.slowCallDuration(),
        p.slidingWindow(),
        p.minimumCalls(),
        wait,
        1,
        p.failureStatusCodes(),
        p.onOpen(),
        p.shadow());
  }
}
