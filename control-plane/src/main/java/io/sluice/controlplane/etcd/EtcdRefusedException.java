package io.sluice.controlplane.etcd;

import io.etcd.jetcd.common.exception.EtcdException;
import io.grpc.Status;
import java.util.Locale;

/**
 * etcd answered and refused the call for good: the request is too large, invalid, or etcd is out of
 * space. etcd refuses such a request before applying any of it, so nothing was changed; and since
 * the same request would be refused again, the API answers without a retry hint (413 for a write
 * too large, 500 otherwise) instead of the 503 of {@link EtcdUnavailableException}.
 */
public final class EtcdRefusedException extends RuntimeException {

  private static final long serialVersionUID = 1L;
  private static final int MAX_REASON_LENGTH = 200;

  private final String reason;
  private final boolean tooLarge;

  private EtcdRefusedException(String what, String reason, boolean tooLarge, Throwable cause) {
    super("etcd refused the call (" + what + "): " + reason, cause);
    this.reason = reason;
    this.tooLarge = tooLarge;
  }

  /**
   * etcd's status code and message, e.g. {@code INVALID_ARGUMENT: etcdserver: request is too
   * large}. etcd's messages name the problem, never a key's value, so they may go to the client.
   */
  public String reason() {
    return reason;
  }

  /** Whether the request was refused for its size. */
  public boolean tooLarge() {
    return tooLarge;
  }

  /** The refusal a failed call's cause stands for, or {@code null} when trying again may help. */
  static EtcdRefusedException of(Throwable cause, String what) {
    Status.Code code;
    String message;
    if (cause instanceof EtcdException etcd) {
      code = Status.Code.valueOf(etcd.getErrorCode().name());
      message = etcd.getMessage();
    } else {
      Status status = Status.fromThrowable(cause);
      code = status.getCode();
      message = status.getDescription();
    }
    message = message == null ? "" : message;
    String lower = message.toLowerCase(Locale.ROOT);
    // etcd's own limit (--max-request-bytes) answers INVALID_ARGUMENT "request is too large";
    // gRPC's message limits, on either side, RESOURCE_EXHAUSTED "received message larger than
    // max" or "message exceeds maximum size".
    boolean tooLarge =
        lower.contains("request is too large")
            || lower.contains("message larger than max")
            || lower.contains("exceeds maximum size");
    // RESOURCE_EXHAUSTED is also etcd's "too many requests" (a backlog: try again later); only
    // its sizes and "database space exceeded" are for good
    boolean noSpace = lower.contains("space exceeded");
    if (!tooLarge
        && !noSpace
        && (code != Status.Code.INVALID_ARGUMENT || lower.contains("too many requests"))) {
      return null;
    }
    String reason = code + (message.isEmpty() ? "" : ": " + message);
    if (reason.length() > MAX_REASON_LENGTH) {
      reason = reason.substring(0, MAX_REASON_LENGTH) + "...";
    }
    return new EtcdRefusedException(what, reason, tooLarge, cause);
  }
}
