package io.sluice.sdk.breaker;

/**
 * One outgoing call under a breaker's guard. When {@link #permitted()} the caller makes the call
 * and reports exactly one outcome, {@link #onResponse} or {@link #onError}; the duration is
 * measured from {@link CallGuard#start}. When not permitted, the call must not leave the process
 * and {@link #rejection()} says what the caller answers instead.
 */
public interface GuardedCall {

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
}
