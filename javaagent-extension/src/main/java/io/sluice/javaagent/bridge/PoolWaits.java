package io.sluice.javaagent.bridge;

/**
 * Takes the time a guarded call waits for a connection of the app's own pool out of its duration,
 * for the clients guarded before they lease one on the calling thread (Apache HttpClient 4 and 5,
 * classic). A burst past the pool's size (Apache 4's default is 2 connections per route) makes a
 * healthy target's calls wait there: counted as the target's latency, that wait made them slow
 * calls and opened the target's breaker under a policy on slow calls, with the target idle.
 *
 * <p>The guard's advice makes its call the thread's current one while the client runs it ({@link
 * #enter}, {@link #exit}); the pool's lease advice measures the lease on that thread ({@link
 * #leaseStarts}, {@link #leaseEnded}) and hands the wait to the call. A lease on a thread with no
 * current call (a client not guarded, a call no policy covers) reads no clock.
 */
public final class PoolWaits {

  /** What {@link #leaseStarts} answers on a thread with no guarded call. */
  public static final long NO_CALL = Long.MIN_VALUE;

  private static final ThreadLocal<SluiceCall> CURRENT = new ThreadLocal<>();

  private PoolWaits() {}

  /**
   * Makes {@code call} this thread's current call; returns the one it replaces (a call the app
   * makes from an interceptor of another), for {@link #exit}. Never throws.
   */
  public static SluiceCall enter(SluiceCall call) {
    SluiceCall outer = CURRENT.get();
    CURRENT.set(call);
    return outer;
  }

  /** Makes {@code outer}, what {@link #enter} returned, the current call again. Never throws. */
  public static void exit(SluiceCall outer) {
    if (outer == null) {
      CURRENT.remove();
    } else {
      CURRENT.set(outer);
    }
  }

  /** A lease begins: its start, or {@link #NO_CALL} when no guarded call runs on this thread. */
  public static long leaseStarts() {
    return CURRENT.get() == null ? NO_CALL : System.nanoTime();
  }

  /**
   * The lease that began at {@code started} ({@link #leaseStarts}) ended, with a connection or not:
   * its wait is taken out of the current call's duration. Never throws.
   */
  public static void leaseEnded(long started) {
    if (started == NO_CALL) {
      return;
    }
    SluiceCall call = CURRENT.get();
    if (call != null) {
      call.excludeFromDuration(System.nanoTime() - started);
    }
  }
}
