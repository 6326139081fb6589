package io.sluice.sdk.breaker;

import io.opentelemetry.api.common.Attributes;

/**
 * A call an open (or saturated half-open) breaker refused. Immutable and cached per breaker and
 * state, so rejecting allocates nothing; outcomes are ignored since the call never left.
 */
final class RejectedCall implements GuardedCall {

  final Rejection rejection;
  final String message;
  final Attributes eventAttributes;

  RejectedCall(Rejection rejection, Attributes breakerAttributes) {
    this.rejection = rejection;
    this.message = rejection.message();
    this.eventAttributes =
        breakerAttributes.toBuilder().put(BreakerTelemetry.STATE, rejection.state()).build();
  }

  @Override
  public boolean permitted() {
    return false;
  }

  @Override
  public Rejection rejection() {
    return rejection;
  }

  @Override
  public void onResponse(int status) {}

  @Override
  public void onError(Throwable error) {}
}
