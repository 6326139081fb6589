package io.sluice.javaagent.bridge;

import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Objects of the app noted by the bridge (its exceptions, its clients), held weakly and found by
 * identity: an object's own {@code equals} and {@code hashCode} are never asked, and noting one
 * never keeps it alive. An entry whose object was collected is dropped when the next one is noted.
 * JDK types only, as everything of the bridge on the bootstrap class path.
 *
 * <p>Until something is noted, {@link #contains} is one volatile read: calls in a process that
 * never notes anything pay nothing more.
 */
final class WeakIdentitySet {

  private final Map<Object, Boolean> entries = new ConcurrentHashMap<>();

  /** Where the keys of collected objects turn up, to be dropped from {@link #entries}. */
  private final ReferenceQueue<Object> collected = new ReferenceQueue<>();

  /** Whether anything was ever noted. */
  private volatile boolean noted;

  /** Notes {@code object} (not null). */
  void add(Object object) {
    dropCollected();
    entries.put(new Noted(object, collected), Boolean.TRUE);
    noted = true;
  }

  /** Whether anything was ever noted: until then, nothing can be {@link #contains contained}. */
  boolean everNoted() {
    return noted;
  }

  /** Whether {@code object} (may be null) is noted and still here. */
  boolean contains(Object object) {
    return noted && object != null && entries.containsKey(new Probe(object));
  }

  /** Forgets {@code object} (may be null); whether it was noted and still here. */
  boolean remove(Object object) {
    return noted && object != null && entries.remove(new Probe(object)) != null;
  }

  /** How many noted objects are held, those collected since dropped; for tests. */
  int size() {
    dropCollected();
    return entries.size();
  }

  private void dropCollected() {
    for (Reference<?> gone; (gone = collected.poll()) != null; ) {
      entries.remove(gone);
    }
  }

  /**
   * The key of a noted object: weak, hashed and compared by the object's identity. Equal to itself,
   * to another key of the same living object, and to a {@link Probe} of it; once its object is
   * collected, only to itself (so that it can be removed).
   */
  private static final class Noted extends WeakReference<Object> {
    private final int hash;

    Noted(Object object, ReferenceQueue<Object> collected) {
      super(object, collected);
      this.hash = System.identityHashCode(object);
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
      Object object = get();
      return object != null
          && (other instanceof Noted && ((Noted) other).get() == object
              || other instanceof Probe && ((Probe) other).object == object);
    }
  }

  /** Looks an object up among the noted ones, by identity, without holding it. */
  private static final class Probe {
    final Object object;

    Probe(Object object) {
      this.object = object;
    }

    @Override
    public int hashCode() {
      return System.identityHashCode(object);
    }

    @Override
    public boolean equals(Object other) {
      return other == this || other instanceof Noted && other.equals(this);
    }
  }
}
