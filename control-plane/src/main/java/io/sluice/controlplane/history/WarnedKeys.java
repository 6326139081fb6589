package io.sluice.controlplane.history;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The keys already warned about, so each gets one warning rather than one per read; at most {@code
 * capacity} of them, the least recently seen forgotten first. Unbounded, it would keep one entry
 * per unreadable key (and per rewrite of one) for the life of the process: etcd holds as many as
 * anyone writes around the API. A key forgotten is warned about once more when read again.
 */
final class WarnedKeys {

  private final Map<String, Boolean> keys;

  WarnedKeys(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1, was " + capacity);
    }
    // access order: a key read again and again stays, however many others come and go
    this.keys =
        new LinkedHashMap<>(16, 0.75f, true) {
          private static final long serialVersionUID = 1L;

          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > capacity;
          }
        };
  }

  /** Whether {@code key} is new, i.e. is to be warned about now; remembers it either way. */
  synchronized boolean firstTime(String key) {
    return keys.put(key, Boolean.TRUE) == null;
  }

  /** How many keys are remembered. */
  synchronized int size() {
    return keys.size();
  }
}
