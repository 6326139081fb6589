package io.sluice.etcd;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A failure and its causes, walked so that reading a failure can never hold the thread that reads
 * it. A cause chain may loop: {@link Throwable#initCause} refuses only a throwable as its own
 * cause, so {@code a.initCause(b)} after {@code b} was built on {@code a} makes {@code a} and
 * {@code b} each other's cause, and a subclass may answer {@code getCause()} however it likes. A
 * plain {@code for (t = e; t != null; t = t.getCause())} then spins forever on etcd's retry thread
 * (rules stop updating and a core of the app's machine is gone), so every reader of etcd failures,
 * in this module, the agent runtime and the control plane, walks them here: each cause once, at
 * most {@value #MAX_DEPTH} deep, and a {@code getCause()} that throws ends the chain.
 */
public final class Causes {

  /** The most throwables {@link #of} returns; real chains (gRPC over Netty) are under ten deep. */
  public static final int MAX_DEPTH = 32;

  private Causes() {}

  /**
   * {@code failure} and its causes, outermost first, each once, at most {@value #MAX_DEPTH}; empty
   * for {@code null}. Never throws.
   */
  public static List<Throwable> of(Throwable failure) {
    List<Throwable> chain = new ArrayList<>(4);
    for (Throwable t = failure; t != null && chain.size() < MAX_DEPTH; t = causeOf(t)) {
      if (holds(chain, t)) {
        break;
      }
      chain.add(t);
    }
    return Collections.unmodifiableList(chain);
  }

  /**
   * The innermost cause {@link #of} reaches: {@code failure} itself when it has no cause, the last
   * one before the chain repeats when it loops.
   *
   * @throws NullPointerException if {@code failure} is {@code null}
   */
  public static Throwable root(Throwable failure) {
    if (failure == null) {
      throw new NullPointerException("failure");
    }
    List<Throwable> chain = of(failure);
    return chain.get(chain.size() - 1);
  }

  /**
   * Whether the message of {@code failure} or of one of its causes contains any of {@code texts},
   * read in one walk of the chain. Never throws: a {@code getMessage()} that throws counts as no
   * message.
   */
  public static boolean anyMessageContains(Throwable failure, String... texts) {
    for (Throwable t : of(failure)) {
      String message = messageOf(t);
      if (message == null) {
        continue;
      }
      for (String text : texts) {
        if (message.contains(text)) {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean holds(List<Throwable> chain, Throwable t) {
    for (Throwable seen : chain) {
      if (seen == t) {
        return true;
      }
    }
    return false;
  }

  private static String messageOf(Throwable t) {
    try {
      return t.getMessage();
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static Throwable causeOf(Throwable t) {
    try {
      return t.getCause();
    } catch (RuntimeException e) {
      return null;
    }
  }
}
