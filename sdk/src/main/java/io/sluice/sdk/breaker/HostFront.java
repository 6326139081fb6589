package io.sluice.sdk.breaker;

import io.sluice.sdk.QuickHash;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A front for the registry's target cache, found by {@link QuickHash} instead of the host's full
 * hash: HTTP clients hand over a host string parsed from each request, and hashing it whole cost
 * more than the rest of the lookup. A slot holds the first host offered there, until the cache
 * replaces or removes its value ({@link #remove}); written without a lock (a thread that misses
 * another's write looks in the cache).
 */
final class HostFront {

  private static final int SLOTS = 1024;

  private final AtomicReferenceArray<HostTargets> slots = new AtomicReferenceArray<>(SLOTS);

  private static int slotOf(String host) {
    return QuickHash.of(host) & (SLOTS - 1);
  }

  /** The cache's value for {@code host} if its slot holds it, else null. */
  HostTargets get(String host) {
    HostTargets h = slots.get(slotOf(host));
    return h != null && h.holds(host) ? h : null;
  }

  /**
   * Puts {@code value}, just found in the cache, into its slot unless another host's live value
   * holds it. Should the cache remove it meanwhile, either {@link #remove} finds it in the slot or
   * this sees it retired (each writes, then reads what the other writes), and it leaves the slot.
   */
  void offer(HostTargets value) {
    int slot = slotOf(value.host);
    HostTargets front = slots.get(slot);
    if ((front == null || front.retired()) && slots.compareAndSet(slot, front, value)) {
      if (value.retired()) {
        slots.compareAndSet(slot, value, null);
      }
    }
  }

  /**
   * Takes a value the cache no longer holds out: retired, so a thread that already read it from its
   * slot looks in the cache instead; and its slot emptied, so its targets (with their breakers and
   * statistics) are not kept past the cache's bound (see {@link #offer}).
   */
  void remove(HostTargets value) {
    value.retire();
    slots.compareAndSet(slotOf(value.host), value, null);
  }

  /**
   * Whether the slot for {@code host} holds a value of it, retired or not (an emptied slot is what
   * lets a removed value go); for tests.
   */
  boolean holdsAny(String host) {
    HostTargets h = slots.get(slotOf(host));
    return h != null && h.host.equals(host);
  }
}
