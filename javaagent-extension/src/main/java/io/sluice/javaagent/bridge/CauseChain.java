package io.sluice.javaagent.bridge;

import java.util.function.Predicate;

/**
 * Walks a failure and its causes, as the bridge asks what a failed call's exception stands for (the
 * app's body, an interrupt): the first few links only, and not round a cause that is its own. JDK
 * types only, as everything of the bridge on the bootstrap class path.
 */
final class CauseChain {

  /** How many links are looked at: a client wraps its failure a few times at most. */
  private static final int MAX_LINKS = 8;

  private CauseChain() {}

  /** Whether {@code error} (may be null) or one of its first causes satisfies {@code test}. */
  static boolean anyMatch(Throwable error, Predicate<Throwable> test) {
    Throwable current = error;
    for (int depth = 0; current != null && depth < MAX_LINKS; depth++) {
      if (test.test(current)) {
        return true;
      }
      current = current.getCause() == current ? null : current.getCause();
    }
    return false;
  }
}
