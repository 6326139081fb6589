package io.sluice.sdk.breaker;

import io.sluice.rules.OnOpenAction;

/**
 * A call an open breaker refused, and what the caller answers instead.
 *
 * @param policy the breaker policy's name
 * @param breakerKey {@code host:port}, or the policy's name for rule-scoped breakers
 * @param state the breaker's state, e.g. {@code OPEN}
 * @param onOpen fail with an I/O error, or answer with a synthetic response
 */
public record Rejection(String policy, String breakerKey, String state, OnOpenAction onOpen) {

  /** The message of the I/O error a rejected call fails with. */
  public String message() {
    return "Sluice circuit breaker '"
        + policy
        + "' for "
        + breakerKey
        + " is "
        + state
        + ": call not permitted";
  }
}
