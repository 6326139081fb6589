package io.sluice.sdk;

import io.sluice.etcd.Causes;
import java.util.concurrent.TimeoutException;

/**
 * Reads what went wrong from the exceptions jetcd and gRPC throw, which wrap etcd's answer a few
 * causes deep: the rule source and the status reporter (its lease, its writer) each decide on the
 * kind of failure and log its root in one short line, never a stack trace per retry.
 */
public final class EtcdErrors {

  private EtcdErrors() {}

  /** etcd's {@code lease not found}: the lease expired, was revoked, or etcd's data was reset. */
  public static boolean isLeaseNotFound(Throwable error) {
    return Causes.anyMessageContains(error, "lease not found");
  }

  /**
   * etcd's {@code request is too large}, or gRPC's limit on a message's size (not any {@code
   * RESOURCE_EXHAUSTED}: etcd's full database and request backlog answer with that code too).
   */
  public static boolean isTooLarge(Throwable error) {
    return Causes.anyMessageContains(error, "request is too large")
        || Causes.anyMessageContains(error, "larger than max");
  }

  /** Whether the innermost cause is a call's timeout ({@link TimeoutException}). */
  public static boolean isTimeout(Throwable error) {
    return Causes.root(error) instanceof TimeoutException;
  }

  /** The innermost cause's class and message, for one log line. */
  public static String rootMessage(Throwable error) {
    Throwable root = Causes.root(error);
    return root.getClass().getSimpleName()
        + (root.getMessage() == null ? "" : ": " + root.getMessage());
  }
}
