package io.sluice.javaagent.bridge;

import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Says, once per client, that the app made an HTTP client (or a release of one) that Sluice's
 * circuit breakers do not guard. Its calls pass every breaker policy, an open breaker too, and are
 * missing from the targets the agent reports: without a word, an operator who wrote a policy for
 * such a target would take it for protected. The advice on the client's construction calls it; the
 * lines are keyed by the client's description, a constant of each advice (or one per client class).
 * The clients named are also in the agent's status ({@link #named()}), where the control plane
 * shows them to an operator who does not read the app's log.
 */
public final class UnguardedClients {

  /**
   * The most clients named, in the log and the status: a client is named by its class where one has
   * several (a mocking library's generated subclasses would each be one), and neither the log nor
   * the status may grow with them. Two threads naming new clients at once may each add one past it.
   */
  public static final int MAX_NAMED = 20;

  /** Each client's line; the first {@link #MAX_NAMED}. */
  private static final ConcurrentMap<String, OneTimeWarning> WARNINGS = new ConcurrentHashMap<>();

  /** Each client named, with what Sluice guards instead; the first {@link #MAX_NAMED}. */
  private static final ConcurrentMap<String, String> NAMED = new ConcurrentHashMap<>();

  /** Said once for the clients past {@link #MAX_NAMED}. */
  private static final OneTimeWarning MORE =
      new OneTimeWarning(
          UnguardedClients.class.getName(),
          "Sluice: the app made more than "
              + MAX_NAMED
              + " kinds of HTTP client whose calls Sluice's circuit breakers do not guard; the"
              + " others are not named (logged once)");

  /** Whether the advice that names clients is woven in: set by its module, never unset. */
  private static volatile boolean watching;

  /** Asked for when the status is written soon after a client is named: set by the extension. */
  public static volatile Runnable statusUpdate;

  private UnguardedClients() {}

  /**
   * Logs once at WARNING that the app made {@code client}, and what Sluice guards instead ({@code
   * guarded}), and has the status say so. Never throws.
   */
  public static void inUse(String client, String guarded) {
    try {
      if (!WARNINGS.containsKey(client) && WARNINGS.size() >= MAX_NAMED) {
        MORE.log(null);
        return;
      }
      boolean first = NAMED.putIfAbsent(client, guarded) == null;
      WARNINGS
          .computeIfAbsent(
              client,
              c ->
                  new OneTimeWarning(
                      UnguardedClients.class.getName(),
                      "Sluice: the app made "
                          + c
                          + ", whose calls Sluice's circuit breakers do not guard: they pass every"
                          + " breaker policy, an open breaker too, and are missing from the"
                          + " targets this agent reports ("
                          + guarded
                          + "; logged once)"))
          .log(null);
      Runnable update = statusUpdate;
      if (first && update != null) {
        update.run(); // cheap: it schedules the write
      }
    } catch (RuntimeException | LinkageError e) {
      // a notice only: the app's client is made as it would be without the agent
    }
  }

  /** Says that the advice naming clients is woven in: until then none named means "not told". */
  public static void watching() {
    watching = true;
  }

  /**
   * The clients named so far (the first {@link #MAX_NAMED}), sorted, each with what Sluice guards
   * instead; {@code null} while the advice that names them is not woven in (its module turned off,
   * or not yet asked for), when an empty map would claim the app uses none.
   */
  public static SortedMap<String, String> named() {
    return watching ? new TreeMap<>(Map.copyOf(NAMED)) : null;
  }
}
