package io.sluice.javaagent.bridge;

/**
 * The HTTP clients the app shut down with {@code shutdownNow()} (the JDK's {@code HttpClient}, Java
 * 21 and later), so that the calls they fail count neither way: {@code shutdownNow} fails every
 * call under way with {@code IOException: shutdownNow}, the app's doing, which says nothing about
 * the target. The advice on the client's {@code shutdownNow} notes the client before it aborts the
 * calls, and {@link OutcomeFirstFuture} asks when a call of that client fails.
 *
 * <p>Clients are held weakly and found by identity, as long as the client itself lives; an entry
 * whose client was collected is dropped when the next client is noted. Nothing is touched on a call
 * that does not fail, nor in a process that never shut a client down now.
 */
public final class ClientsShutDownNow {

  private static final WeakIdentitySet CLIENTS = new WeakIdentitySet();

  private ClientsShutDownNow() {}

  /** Notes that the app shuts {@code client} down now. Never throws. */
  public static void shutDownNow(Object client) {
    if (client != null) {
      CLIENTS.add(client);
    }
  }

  /** Whether the app shut {@code client} down with {@code shutdownNow()}. */
  public static boolean holds(Object client) {
    return CLIENTS.contains(client);
  }

  /** How many clients are held; for tests. */
  static int size() {
    return CLIENTS.size();
  }
}
