package io.sluice.rules;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A circuit-breaker policy for outgoing calls: calls that {@code match} go through a breaker with
 * these settings. Breakers are keyed by target {@code host:port}, or one per policy with {@link
 * BreakerScope#RULE}.
 *
 * @param name unique within the document; named in rejections and metrics
 * @param match which outgoing calls the policy covers
 * @param scope what one breaker instance guards
 * @param failureRateThreshold percentage in (0, 100] of failed calls that opens the breaker
 * @param slowCallRateThreshold percentage in (0, 100] of slow calls that opens the breaker
 * @param slowCallDuration calls slower than this count as slow
 * @param slidingWindow the window the rates are computed over
 * @param minimumCalls calls needed in the window before rates are computed
 * @param waitInOpenState how long an open breaker rejects before letting trial calls through
 * @param halfOpenCalls trial calls permitted in the half-open state
 * @param failureStatusCodes HTTP statuses that count as failures (exceptions always do)
 * @param onOpen what a rejected call gets
 * @param shadow when true, record and report everything but never reject a call
 */
public record BreakerPolicy(
    String name,
    CallMatch match,
    BreakerScope scope,
    double failureRateThreshold,
    double slowCallRateThreshold,
    Duration slowCallDuration,
    SlidingWindow slidingWindow,
    int minimumCalls,
    Duration waitInOpenState,
    int halfOpenCalls,
    List<StatusCodeRange> failureStatusCodes,
    OnOpenAction onOpen,
    boolean shadow) {

  /** Defaults applied when a document leaves a field out. */
  public static final double DEFAULT_FAILURE_RATE_THRESHOLD = 50;

  public static final double DEFAULT_SLOW_CALL_RATE_THRESHOLD = 100;
  public static final Duration DEFAULT_SLOW_CALL_DURATION = Duration.ofSeconds(60);
  public static final int DEFAULT_MINIMUM_CALLS = 10;
  public static final Duration DEFAULT_WAIT_IN_OPEN_STATE = Duration.ofSeconds(30);
  public static final int DEFAULT_HALF_OPEN_CALLS = 3;
  public static final List<StatusCodeRange> DEFAULT_FAILURE_STATUS_CODES =
      List.of(new StatusCodeRange(500, 599));

  public BreakerPolicy {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(match, "match");
    Objects.requireNonNull(scope, "scope");
    Objects.requireNonNull(slowCallDuration, "slowCallDuration");
    Objects.requireNonNull(slidingWindow, "slidingWindow");
    Objects.requireNonNull(waitInOpenState, "waitInOpenState");
    Objects.requireNonNull(onOpen, "onOpen");
    failureStatusCodes = List.copyOf(failureStatusCodes);
  }

  /** Whether an HTTP status counts as a failure under this policy. */
  public boolean isFailureStatus(int status) {
    for (int i = 0; i < failureStatusCodes.size(); i++) {
      if (failureStatusCodes.get(i).contains(status)) {
        return true;
      }
    }
    return false;
  }

  /** This policy with another call match, every other setting the same. */
  public BreakerPolicy withMatch(CallMatch newMatch) {
    return new BreakerPolicy(
        name,
        newMatch,
        scope,
        failureRateThreshold,
        slowCallRateThreshold,
        slowCallDuration,
        slidingWindow,
        minimumCalls,
        waitInOpenState,
        halfOpenCalls,
        failureStatusCodes,
        onOpen,
        shadow);
  }
}
