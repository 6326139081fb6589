package io.sluice.rules;

/** Whether a {@link SlidingWindow} counts calls or seconds. */
public enum SlidingWindowType {
  COUNT,
  TIME
}
