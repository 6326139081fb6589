package io.sluice.rules;

import java.util.Objects;

/**
 * The window a breaker computes failure and slow-call rates over.
 *
 * @param type count-based (last {@code size} calls) or time-based (last {@code size} seconds)
 * @param size calls or seconds, at least 1
 */
public record SlidingWindow(SlidingWindowType type, int size) {

  /** The last 20 calls. */
  public static final SlidingWindow DEFAULT = new SlidingWindow(SlidingWindowType.COUNT, 20);

  public SlidingWindow {
    Objects.requireNonNull(type, "type");
  }
}
