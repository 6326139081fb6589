package io.sluice.javaagent.bridge;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Says, once per client, that the app made an HTTP client (or a release of one) that Sluice's
 * circuit breakers do not guard. Its calls pass every breaker policy, an open breaker too, and are
 * missing from the targets the agent reports: without a word, an operator who wrote a policy for
 * such a target would take it for protected. The advice on the client's construction calls it; the
 * lines are keyed by the client's description, a constant of each advice.
 */
public final class UnguardedClients {

  private static final ConcurrentMap<String, OneTimeWarning> WARNINGS = new ConcurrentHashMap<>();

  private UnguardedClients() {}

  /**
   * Logs once at WARNING that the app made {@code client}, and what Sluice guards instead ({@code
   * guarded}). Never throws.
   */
  public static void inUse(String client, String guarded) {
    try {
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
    } catch (RuntimeException | LinkageError e) {
      // a notice only: the app's client is made as it would be without the agent
    }
  }
}
