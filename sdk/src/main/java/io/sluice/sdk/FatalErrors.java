package io.sluice.sdk;

/**
 * Which failures a guard of Sluice's lets pass. Guards on the rule sources' paths (a listener's
 * turn, a log line's) catch every failure, an {@code Error} too: an {@code AssertionError} of a
 * listener under {@code -ea} left a source's task before it watched, and the task's executor kept
 * it without a word, so the app ran its first rules for good. Only the JVM's own failures (out of
 * memory, an internal error) pass, which no guard can mend; a {@link StackOverflowError} does not
 * (a recursion bug: the thread is well again once it has unwound).
 */
public final class FatalErrors {

  private FatalErrors() {}

  /** Throws {@code failure} again when it is the JVM's own; returns otherwise. */
  public static void rethrowIfFatal(Throwable failure) {
    if (failure instanceof VirtualMachineError fatal && !(failure instanceof StackOverflowError)) {
      throw fatal;
    }
  }
}
