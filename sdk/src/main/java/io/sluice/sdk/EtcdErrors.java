package io.sluice.sdk;

import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.sluice.etcd.Causes;
import io.sluice.etcd.EtcdRefusal;
import java.io.IOException;
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
    return Causes.anyMessageContains(error, "request is too large", "larger than max");
  }

  /**
   * Whether etcd refused a call for its token or the access it carries ({@code invalid auth token},
   * {@code permission denied}, {@code UNAUTHENTICATED}): what a watch resumed with a token etcd no
   * longer knows meets (an etcd restart forgets its simple tokens; a JSON web token expires),
   * before jetcd logs in again for the next call.
   */
  public static boolean isTokenRefused(Throwable error) {
    return EtcdRefusal.refusedAccess(error) || isTokenStale(error);
  }

  /**
   * Whether etcd refused the call's token as one it no longer takes ({@code invalid auth token}: it
   * expired, or an etcd restart forgot it; {@code invalid auth revision}: the users or roles
   * changed since it was issued), which a new login answers, as opposed to refusing the user.
   */
  public static boolean isTokenStale(Throwable error) {
    return Causes.anyMessageContains(error, "invalid auth token", "invalid auth revision");
  }

  /** Whether the innermost cause is a call's timeout ({@link TimeoutException}). */
  public static boolean isTimeout(Throwable error) {
    return Causes.root(error) instanceof TimeoutException;
  }

  /**
   * Whether the connection to etcd failed (etcd's or gRPC's {@code UNAVAILABLE}, or an I/O error
   * any cause deep): a watch that ends so may resume where it stopped once etcd is back, where any
   * other failure asks for a fresh read.
   */
  public static boolean isConnectionProblem(Throwable error) {
    for (Throwable t : Causes.of(error)) {
      if (t instanceof EtcdException etcd && etcd.getErrorCode() == ErrorCode.UNAVAILABLE) {
        return true;
      }
      if (t instanceof StatusRuntimeException grpc
          && grpc.getStatus().getCode() == Status.Code.UNAVAILABLE) {
        return true;
      }
      if (t instanceof IOException) {
        return true;
      }
    }
    return false;
  }

  /**
   * etcd's answer that it compacted its history past a watch's start revision, any cause deep, or
   * null: the events missed are gone, and the keys must be read again.
   */
  public static CompactedException compaction(Throwable error) {
    for (Throwable t : Causes.of(error)) {
      if (t instanceof CompactedException compacted) {
        return compacted;
      }
    }
    return null;
  }

  /** The innermost cause's class and message, for one log line. */
  public static String rootMessage(Throwable error) {
    Throwable root = Causes.root(error);
    return root.getClass().getSimpleName()
        + (root.getMessage() == null ? "" : ": " + root.getMessage());
  }
}
