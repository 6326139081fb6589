package io.sluice.javaagent.bridge;

/**
 * Takes the time a guarded call waits for a connection of the app's own pool out of its duration,
 * for the clients guarded before they lease one on the calling thread (Apache HttpClient 4 and 5,
 * classic). A burst past the pool's size (Apache 4's default is 2 connections per route) makes a
 * healthy target's calls wait there: counted as the target's latency, that wait made them slow
 * calls and opened the target's breaker under a policy on slow calls, with the target idle.
 *
 * <p>The guard's advice makes its call the thread's current one while the client runs it ({@link
 * #enter}, {@link #exit}; {@code null} for a call Sluice does not guard, so a lease inside it is
 * not taken out of an outer call's duration); the pool's lease advice measures the lease on that
 * thread ({@link #leaseStarts}, {@link #leaseEnded}) and hands the wait to the call. Only the
 * outermost lease of a thread is measured: a lease request that wraps another (an SDK's
 * instrumented or delegating one, each advised) would otherwise take the same wait out two or three
 * times. A lease on a thread with no current call reads no clock.
 */
public final class PoolWaits {

  /** What {@link #leaseStarts} answers on a thread with no current call. */
  public static final long NO_CALL = Long.MIN_VALUE;

  /** What {@link #leaseStarts} answers for a lease inside one already measured. */
  public static final long NESTED = Long.MIN_VALUE + 1;

  private static final ThreadLocal<Scope> SCOPE = ThreadLocal.withInitial(Scope::new);

  private PoolWaits() {}

  /**
   * Makes {@code call} (null: a call Sluice does not guard) this thread's current call; returns the
   * one it replaces, for {@link #exit}. Never throws.
   */
  public static SluiceCall enter(SluiceCall call) {
    Scope scope = SCOPE.get();
    SluiceCall outer = scope.call;
    scope.call = call;
    return outer;
  }

  /** Makes {@code outer}, what {@link #enter} returned, the current call again. Never throws. */
  public static void exit(SluiceCall outer) {
    SCOPE.get().call = outer;
  }

  /**
   * A lease begins: its start, {@link #NO_CALL} when no guarded call runs on this thread, or {@link
   * #NESTED} inside a lease already measured. Pair every call with {@link #leaseEnded}.
   */
  public static long leaseStarts() {
    Scope scope = SCOPE.get();
    if (scope.call == null) {
      return NO_CALL;
    }
    return scope.leases++ > 0 ? NESTED : System.nanoTime();
  }

  /**
   * The lease that began at {@code started} ({@link #leaseStarts}) ended, with a connection or not:
   * the outermost one's wait is taken out of the current call's duration. Never throws.
   */
  public static void leaseEnded(long started) {
    if (started == NO_CALL) {
      return;
    }
    Scope scope = SCOPE.get();
    scope.leases--;
    SluiceCall call = scope.call;
    if (started != NESTED && call != null) {
      call.excludeFromDuration(System.nanoTime() - started);
    }
  }

  /** A thread's current call and how many leases it is inside. */
  private static final class Scope {
    SluiceCall call;
    int leases;
  }
}
