package io.sluice.javaagent.bridge;

import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

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

  private static final Map<Object, Boolean> CLIENTS = new ConcurrentHashMap<>();

  private static final ReferenceQueue<Object> COLLECTED = new ReferenceQueue<>();

  /** Whether any client was ever noted: failures in a process without any pay one read. */
  private static volatile boolean noted;

  private ClientsShutDownNow() {}

  /** Notes that the app shuts {@code client} down now. Never throws. */
  public static void shutDownNow(Object client) {
    if (client == null) {
      return;
    }
    for (Reference<?> gone; (gone = COLLECTED.poll()) != null; ) {
      CLIENTS.remove(gone);
    }
    CLIENTS.put(new Noted(client), Boolean.TRUE);
    noted = true;
  }

  /** Whether the app shut {@code client} down with {@code shutdownNow()}. */
  public static boolean holds(Object client) {
    return noted && client != null && CLIENTS.containsKey(new Probe(client));
  }

  /** How many clients are held; for tests. */
  static int size() {
    for (Reference<?> gone; (gone = COLLECTED.poll()) != null; ) {
      CLIENTS.remove(gone);
    }
    return CLIENTS.size();
  }

  /**
   * The key of a noted client: weak, hashed and compared by the client's identity. Equal to itself,
   * to another key of the same living client, and to a {@link Probe} of it; once its client is
   * collected, only to itself (so that it can be removed).
   */
  private static final class Noted extends WeakReference<Object> {
    private final int hash;

    Noted(Object client) {
      super(client, COLLECTED);
      this.hash = System.identityHashCode(client);
    }

    @Override
    public int hashCode() {
      return hash;
    }

    @Override
    public boolean equals(Object other) {
      if (other == this) {
        return true;
      }
      Object client = get();
      return client != null
          && (other instanceof Noted && ((Noted) other).get() == client
              || other instanceof Probe && ((Probe) other).client == client);
    }
  }

  /** Looks a client up among the noted ones, by identity, without holding it. */
  private static final class Probe {
    final Object client;

    Probe(Object client) {
      this.client = client;
    }

    @Override
    public int hashCode() {
      return System.identityHashCode(client);
    }

    @Override
    public boolean equals(Object other) {
      return other == this || other instanceof Noted && other.equals(this);
    }
  }
}
