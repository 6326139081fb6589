package io.sluice.sdk.breaker;

/**
 * One outgoing call under a breaker's guard. When {@link #permitted()} the caller makes the call
 * and reports one outcome, {@link #onResponse} or {@link #onError}; the duration is measured from
 * {@link CallGuard#start} (less what {@link #excludeFromDuration} takes out), and only the first
 * outcome counts. When not permitted, the call must not leave the process and {@link #rejection()}
 * says what the caller answers instead.
 *
 * <p>A permitted call that ends without an outcome (the caller failed before the call left, or gave
 * up on it) should be {@linkplain #close() closed}, most simply with try-with-resources around a
 * synchronous call: a half-open breaker lets only a few trial calls through and waits for their
 * outcomes. Closing after an outcome, or closing a rejected call, does nothing. Report and close
 * from one thread at a time (the check is not atomic, to keep it free on the request path); close
 * an asynchronous call only when giving up on it.
 */
public interface GuardedCall extends AutoCloseable {

  /** A call no policy covers: always permitted, outcomes ignored. */
  GuardedCall UNGUARDED =
      new GuardedCall() {
        @Override
        public boolean permitted() {
          return true;
        }

        @Override
        public Rejection rejection() {
          return null;
        }

        @Override
        public void onResponse(int status) {}

        @Override
        public void onError(Throwable error) {}
      };

  /** Whether the call may proceed. */
  boolean permitted();

  /** Why the call was rejected and what to answer, or {@code null} when permitted. */
  Rejection rejection();

  /** Reports that the call completed with an HTTP status. */
  void onResponse(int status);

  /** Reports that the call failed with an exception. */
  void onError(Throwable error);

  /**
   * Ends the call if no outcome was reported: it gives the breaker's permission back and counts
   * neither as a success nor as a failure, unless it was given up on after its policy's {@code
   * slowCallDuration}: its caller waited that long, so it counts as a slow call. Never throws.
   */
  @Override
  default void close() {}

  /**
   * Ends the call if no outcome was reported, as one that failed for the caller's own reasons: its
   * request body could not be produced, or did not match the length it declared. Such a call says
   * nothing about the target, neither about its health nor about its speed, so it gives the
   * breaker's permission back and counts neither way however long it ran (unlike {@link #close()},
   * which counts a call given up on after {@code slowCallDuration} as slow). Never throws.
   *
   * <p>The default closes the call, for implementations that predate this method.
   */
  default void discard() {
    close();
  }

  /**
   * Takes {@code nanos} out of the call's duration: time it spent waiting for something of the
   * caller's own, such as a connection of the client's pool, where the guard is taken before the
   * client leases one. A burst past the pool's size makes calls to a healthy target wait there, and
   * counted as the target's latency that wait made them slow calls, opening its breaker under a
   * policy on slow calls. Call it before the outcome (later calls, and a non-positive {@code
   * nanos}, do nothing), from the thread that reports the call or one ordered before it; a wait
   * longer than the call has run makes it a call of no duration. Never throws.
   */
  default void excludeFromDuration(long nanos) {}
}
