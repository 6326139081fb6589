package io.sluice.sdk.breaker;

import io.sluice.sdk.QuietLog;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Logs breaker transitions at INFO, at most {@link #LINES_PER_WINDOW} lines per policy in each
 * {@link #WINDOW_MILLIS}: a policy over many hosts (a host glob over tenant hosts that all fail at
 * once) would otherwise write a line per host and transition, on the request threads that notice
 * them. Lines past the limit are counted, and the policy's next logged line says how many were left
 * out. Metrics, listeners and the status see every transition.
 *
 * <p>Windows are kept by policy name, and policies come and go with rule documents: the registry
 * calls {@link #retainOnly} on every new snapshot so a removed policy's window does not live as
 * long as the process. A breaker the registry dropped tells no transition (see {@code
 * ManagedBreaker#drop}), so a call still out on a removed policy's breaker does not make its window
 * again; one noticed in the very instant the policy is removed may, and the next snapshot drops it.
 */
final class TransitionLog {

  static final int LINES_PER_WINDOW = 5;
  static final long WINDOW_MILLIS = 10_000;

  private static final Logger logger = Logger.getLogger(ManagedBreaker.class.getName());

  private final Map<String, Window> windows = new ConcurrentHashMap<>();

  /**
   * Logs {@code line}, a transition of a breaker of {@code policy}, unless over the limit. Never
   * throws: a log handler that throws (a full disk, a broken appender) loses the line, never the
   * transition. The line is written by the thread that noticed the transition, or another telling
   * that breaker's transitions (see {@code ManagedBreaker#tell}), outside the breaker's lock: after
   * a retune (which must go on to the next breaker), after a call's outcome (which must still be
   * counted) and in a call's permission check. {@code nowMillis} is when it was noticed.
   */
  void log(String policy, String line, long nowMillis) {
    String message = windows.computeIfAbsent(policy, p -> new Window()).admit(line, nowMillis);
    if (message != null) {
      QuietLog.write(logger, Level.INFO, message, null);
    }
  }

  /**
   * Drops the windows of policies not in {@code inForce}, with their counts of lines left out: a
   * policy removed and added again later starts afresh.
   */
  void retainOnly(Set<String> inForce) {
    windows.keySet().retainAll(inForce);
  }

  /** The policies that have a window; for tests. */
  Set<String> policies() {
    return Set.copyOf(windows.keySet());
  }

  /** One policy's window: how many lines it logged, how many it left out. */
  private static final class Window {
    private long startMillis = Long.MIN_VALUE;
    private int logged;
    private long leftOut;

    /** The message to log for {@code line} now, or null when over the limit. */
    synchronized String admit(String line, long nowMillis) {
      if (startMillis == Long.MIN_VALUE || nowMillis - startMillis >= WINDOW_MILLIS) {
        startMillis = nowMillis;
        logged = 0;
      }
      if (logged >= LINES_PER_WINDOW) {
        leftOut++;
        return null;
      }
      logged++;
      if (leftOut == 0) {
        return line;
      }
      String message = line + " (" + leftOut + " earlier transitions of this policy not logged)";
      leftOut = 0;
      return message;
    }
  }
}
