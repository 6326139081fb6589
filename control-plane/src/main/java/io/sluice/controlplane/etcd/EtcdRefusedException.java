package io.sluice.controlplane.etcd;

import io.etcd.jetcd.common.exception.EtcdException;
import io.grpc.Status;
import io.sluice.etcd.Causes;
import io.sluice.etcd.EtcdCredentials;
import io.sluice.etcd.EtcdRefusal;
import java.util.List;
import java.util.Locale;

/**
 * etcd answered and refused the call for good: the request is too large, invalid, etcd is out of
 * space, or the control plane's etcd user may not do it ({@code PERMISSION_DENIED}, a wrong
 * password). etcd refuses such a request before applying any of it, so nothing was changed; and
 * since the same request would be refused again until an operator changes etcd's users, roles or
 * the control plane's credentials, the API answers without a retry hint (413 for a write too large,
 * 500 otherwise) instead of the 503 of {@link EtcdUnavailableException}.
 */
public final class EtcdRefusedException extends RuntimeException {

  /**
   * What an operator does about a refusal of the control plane's credentials or permissions ({@link
   * #notPermitted}), for a control plane that shows etcd {@code credentials}: the log and {@code
   * /actuator/health} say it beside etcd's reason.
   */
  public static String notPermittedAction(EtcdCredentials credentials) {
    return credentials.advice(
            "read and write every key under the namespace (sluice.etcd.namespace)")
        + "; trying again will not help until an operator fixes that";
  }

  private static final long serialVersionUID = 1L;
  private static final int MAX_REASON_LENGTH = 200;

  private final String reason;
  private final boolean tooLarge;
  private final boolean notPermitted;
  private final boolean authenticationNotEnabled;

  private EtcdRefusedException(
      String what,
      String reason,
      boolean tooLarge,
      boolean notPermitted,
      boolean authenticationNotEnabled,
      Throwable cause) {
    super("etcd refused the call (" + what + "): " + reason, cause);
    this.reason = reason;
    this.tooLarge = tooLarge;
    this.notPermitted = notPermitted;
    this.authenticationNotEnabled = authenticationNotEnabled;
  }

  /** etcd's words when it is given credentials while its authentication is off, lower-case. */
  private static final String AUTHENTICATION_NOT_ENABLED = "authentication is not enabled";

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

  /**
   * Whether etcd refused the control plane's credentials or its user's permissions: a configuration
   * fault of etcd's users and roles or of the credentials the control plane shows ({@code
   * sluice.etcd.user}/{@code password}, a client certificate, none), not an outage.
   */
  public boolean notPermitted() {
    return notPermitted;
  }

  /**
   * What to change when etcd refuses every user because its authentication is not enabled ({@link
   * #authenticationNotEnabled}): the control plane was given credentials it takes for none.
   */
  public static final String AUTHENTICATION_NOT_ENABLED_ACTION =
      "etcd's authentication is not enabled, so it takes no user and password: remove"
          + " sluice.etcd.user and sluice.etcd.password, or enable authentication on etcd"
          + " (etcdctl auth enable, with the user and its roles made first)";

  /**
   * Whether etcd refused the credentials because its authentication is not enabled: no user's
   * permissions are at fault, the credentials are ({@link #AUTHENTICATION_NOT_ENABLED_ACTION}).
   */
  public boolean authenticationNotEnabled() {
    return authenticationNotEnabled;
  }

  /** The refusal a failed call's cause stands for, or {@code null} when trying again may help. */
  static EtcdRefusedException of(Throwable cause, String what) {
    if (EtcdRefusal.notEtcd(cause, List.of()) != null
        || EtcdRefusal.proxyCouldNotReachEtcd(cause)) {
      // an HTTP answer from something in front of etcd (a proxy's 403 is PERMISSION_DENIED to
      // gRPC), or Envoy's RBAC denial (PERMISSION_DENIED "RBAC: access denied"): etcd refused
      // nothing, and what stands in front of it may be fixed any moment; a proxy's 502, 503 or
      // 504 (which notEtcd does not name), or a CONNECT proxy's 5xx, is etcd out of its reach, an
      // outage, whatever words the proxy's page carries (gRPC quotes its body in the status)
      return null;
    }
    Status.Code code;
    String message;
    if (cause instanceof EtcdException etcd) {
      code = Status.Code.valueOf(etcd.getErrorCode().name());
      message = etcd.getMessage();
    } else {
      Status status = GrpcStatuses.of(cause);
      code = status.getCode();
      message = status.getDescription();
    }
    message = message == null ? "" : message;
    if (code == Status.Code.UNAUTHENTICATED) {
      // jetcd fails a call whose auth token it could not get as UNAUTHENTICATED, with etcd's
      // refusal of the user and password as the cause
      String refusal = authenticationFailure(cause);
      if (refusal != null) {
        message = refusal;
      }
    }
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
    // etcd's auth: a user without a role granting the key answers PERMISSION_DENIED "etcdserver:
    // permission denied"; a wrong password INVALID_ARGUMENT "etcdserver: authentication failed,
    // invalid user ID or password". Neither goes away by itself, unlike an expired token
    // (UNAUTHENTICATED "invalid auth token"), which the client renews. jetcd reports a wrong
    // password as UNAUTHENTICATED with etcd's refusal as the cause (read above).
    // credentials while etcd's auth is off: etcd refuses to authenticate anyone
    // (FAILED_PRECONDITION,
    // which jetcd reports as UNAUTHENTICATED with it as the cause, read above), and no retry
    // changes that
    boolean authenticationNotEnabled = lower.contains(AUTHENTICATION_NOT_ENABLED);
    boolean notPermitted =
        code == Status.Code.PERMISSION_DENIED
            || lower.contains("authentication failed")
            // no credentials while etcd's auth is on (INVALID_ARGUMENT)
            || lower.contains("user name is empty")
            || authenticationNotEnabled;
    if (!tooLarge
        && !noSpace
        && !notPermitted
        && (code != Status.Code.INVALID_ARGUMENT || lower.contains("too many requests"))) {
      return null;
    }
    String reason = code + (message.isEmpty() ? "" : ": " + message);
    if (reason.length() > MAX_REASON_LENGTH) {
      reason = reason.substring(0, MAX_REASON_LENGTH) + "...";
    }
    return new EtcdRefusedException(
        what, reason, tooLarge, notPermitted, authenticationNotEnabled, cause);
  }

  /**
   * etcd's refusal of a user and password among the causes of {@code failure} (a wrong one, or any
   * while its authentication is not enabled), or {@code null}.
   */
  private static String authenticationFailure(Throwable failure) {
    for (Throwable t : Causes.of(failure.getCause())) {
      String message = t.getMessage();
      String lower = message == null ? "" : message.toLowerCase(Locale.ROOT);
      if (lower.contains("authentication failed") || lower.contains(AUTHENTICATION_NOT_ENABLED)) {
        String description = GrpcStatuses.of(t).getDescription();
        return description != null ? description : message;
      }
    }
    return null;
  }
}
