package io.sluice.sdk.breaker;

/**
 * What a breaker records for a response whose status the policy counts as a failure. One shared,
 * stackless instance: recording a failure status allocates nothing.
 */
final class FailureStatus extends Exception {

  private static final long serialVersionUID = 1L;

  static final FailureStatus INSTANCE = new FailureStatus();

  private FailureStatus() {
    super("response status counted as a failure by the breaker policy", null, false, false);
  }
}
